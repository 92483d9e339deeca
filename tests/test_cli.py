"""The flask commands operators use to set Docket up."""
from webapp.accounts.models import Business, Membership, User
from webapp.auth.service import authenticate


def test_create_user_business_and_membership(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "Owner@Example.com", "--name", "Olive Owner"],
                           input="a-long-password\na-long-password\n")
    assert result.exit_code == 0 and "Created user owner@example.com" in result.output
    result = runner.invoke(args=["create-business", "Seaview Cafe Ltd", "--currency", "eur", "--country", "ie"])
    business = Business.get(Business.name == "Seaview Cafe Ltd")
    assert result.exit_code == 0 and business.base_currency == "EUR" and business.country == "IE"
    result = runner.invoke(args=["add-member", "owner@example.com", str(business.id), "--role", "admin",
                                 "--can-publish"])
    assert result.exit_code == 0, result.output
    membership = Membership.get(Membership.user == User.get(User.email == "owner@example.com"))
    assert membership.is_admin and membership.can_publish


def test_create_user_reads_the_password_from_stdin_for_scripts(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "ops@example.com", "--password-stdin"], input="a-long-password\n")
    assert result.exit_code == 0 and "Created user ops@example.com" in result.output
    assert "Password" not in result.output  # nothing asked
    assert authenticate("ops@example.com", "a-long-password") is not None  # the whole line, nothing more
    short = runner.invoke(args=["create-user", "x@example.com", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output


def test_create_user_refuses_short_passwords_and_duplicates(app):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-user", "a@example.com"], input="short\nshort\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    runner.invoke(args=["create-user", "b@example.com"], input="a-long-password\na-long-password\n")
    again = runner.invoke(args=["create-user", "b@example.com"], input="a-long-password\na-long-password\n")
    assert again.exit_code != 0 and "already an account for b@example.com" in again.output
    assert User.select().count() == 1


def test_seed_demo_creates_the_practice_once_and_prints_the_login(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    assert "Demo data created." in first.output and "already present" in second.output
    assert "admin@example.com" in second.output and "docket-demo" in second.output
    admin = User.get(User.email == "admin@example.com")
    assert Membership.select().where(Membership.user == admin, Membership.role == "admin").count() == 2
    assert Business.select().count() == 2


def test_demo_login_works(app):
    app.test_cli_runner().invoke(args=["seed-demo"])
    client = app.test_client()
    client.login(User.get(User.email == "staff@example.com"), password="docket-demo")
    page = client.get("/").text
    assert "Harbour Lane Bakery Ltd" in page and "Northwind Studio Ltd" in page
