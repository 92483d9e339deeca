"""`flask` commands: migrate the database, create users/businesses/memberships, seed the demo, read documents."""
import sys

import click

from webapp import migrations
from webapp.accounts import demo, service
from webapp.accounts.models import ROLES, Business, User
from webapp.db import database
from webapp.errors import AppError
from webapp.extract import extract


def init_app(app) -> None:
    for command in (migrate, create_user, create_business, add_member, seed_demo, extract):
        app.cli.add_command(command)


@click.command("migrate")
def migrate():
    """Apply pending database migrations."""
    with database.connection_context():
        applied = migrations.upgrade(database.obj)
    click.echo(f"Applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "Database is up to date.")


@click.command("create-user")
@click.argument("email")
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line), for scripts.")
def create_user(email, name, password_stdin):
    """Create a user who can sign in with EMAIL (asks for the password twice, or reads it with --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with database.connection_context():
        user = _or_fail(lambda: service.create_user(email, password, name))
    click.echo(f"Created user {user.email} (id {user.id}).")


@click.command("create-business")
@click.argument("name")
@click.option("--currency", default="GBP", show_default=True)
@click.option("--country", default="GB", show_default=True)
def create_business(name, currency, country):
    """Create a business (a client company)."""
    with database.connection_context():
        business = _or_fail(lambda: service.create_business(name, currency, country))
    click.echo(f"Created business {business.name} (id {business.id}).")


@click.command("add-member")
@click.argument("email")
@click.argument("business_id", type=int)
@click.option("--role", type=click.Choice(ROLES), default="standard", show_default=True)
@click.option("--can-publish/--cannot-publish", default=False, show_default=True)
def add_member(email, business_id, role, can_publish):
    """Give the user EMAIL a ROLE in business BUSINESS_ID."""
    with database.connection_context():
        user = User.get_or_none(User.email == email.strip().lower())
        business = Business.get_or_none(Business.id == business_id)
        if user is None or business is None:
            raise click.ClickException("No such user or business.")
        _or_fail(lambda: service.add_member(business.id, user, role, can_publish))
    click.echo(f"{user.email} is now {role} of {business.name}.")


@click.command("seed-demo")
def seed_demo():
    """Create the demo practice (once) and print its logins."""
    with database.connection_context():
        created = demo.seed_demo()
    click.echo("Demo data created." if created else "Demo data already present.")
    click.echo(f"Log in as {demo.ADMIN_EMAIL} (admin) or {demo.STAFF_EMAIL} (standard), password {demo.DEMO_PASSWORD}")


def _or_fail(action):
    try:
        return action()
    except AppError as error:
        raise click.ClickException(error.user_message) from None
