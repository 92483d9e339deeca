"""Demo data: a small practice with an admin, a standard user and two client businesses."""
from webapp.accounts import service
from webapp.accounts.models import ROLE_ADMIN, ROLE_STANDARD, User

DEMO_PASSWORD = "docket-demo"
ADMIN_EMAIL = "admin@example.com"
STAFF_EMAIL = "staff@example.com"
BUSINESSES = (("Harbour Lane Bakery Ltd", "GBP", "GB"), ("Northwind Studio Ltd", "GBP", "GB"))


def seed_demo() -> bool:
    """Create the demo practice unless it exists; True when something was created."""
    if User.get_or_none(User.email == ADMIN_EMAIL):
        return False
    admin = service.create_user(ADMIN_EMAIL, DEMO_PASSWORD, "Alex Admin")
    staff = service.create_user(STAFF_EMAIL, DEMO_PASSWORD, "Sam Staff")
    for name, currency, country in BUSINESSES:
        business = service.create_business(name, currency, country)
        service.add_member(business.id, admin, ROLE_ADMIN, can_publish=True)
        service.add_member(business.id, staff, ROLE_STANDARD, can_publish=False)
    return True
