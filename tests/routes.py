"""Shared by the sweeps over every route of `app.url_map`: the rules and their URL variables, addresses built from
values, every row of the database to compare before and after a request, and two businesses with their visitors."""
import io
import re
from urllib.parse import quote

from tests import factories
from tests.conftest import CSRF_IN_FORM
from tests.email_helpers import post_message
from tests.items_helpers import make_coding, make_contact, pdf_bytes, read_documents
from webapp.accounts.models import Membership
from webapp.db import database
from webapp.items.models import Item, LineItem
from webapp.jobruns.models import JobRun
from webapp.models import ALL_MODELS
from webapp.rules.aliases import remember_printed_name

URL_VARIABLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def cases(app) -> list[tuple[str, str, list[str]]]:
    """(method, rule, variables) for every rule and method of the app."""
    return [(method, rule.rule, [name for _, name in URL_VARIABLE.findall(rule.rule)])
            for rule in app.url_map.iter_rules() for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def url(rule: str, values: dict) -> str:
    return URL_VARIABLE.sub(lambda m: quote(str(values[m.group(2)]), safe=""), rule)


def snapshot() -> dict:
    """Every row of every table."""
    return {model: list(model.select().order_by(*model._meta.sorted_fields).dicts()) for model in ALL_MODELS}


def restore(saved: dict) -> None:
    with database.atomic():
        for model in reversed(ALL_MODELS):
            model.delete().execute()
        for model in ALL_MODELS:
            if saved[model]:
                model.insert_many(saved[model]).execute()


class Visits:
    """One business with something behind every URL variable (an uploaded cost document with a line item, a
    supplier with a printed name, a payment method, its members), a second business with the same, and the people
    who visit the first one, each signed in through the login form: its admin (who can publish), a standard member
    with Can publish, a standard member without, the admin of the other business, and someone logged out."""

    def __init__(self, app):
        admin = factories.make_member(role="admin", can_publish=True)
        business = admin.business
        factories.make_member(business=business, role="standard", can_publish=True)
        standard = factories.make_member(business=business, role="standard", can_publish=False)
        outsider = factories.make_member(role="admin", can_publish=True)
        self.business_name = business.name
        self.clients = {"logged out": app.test_client()}
        self.clients["logged out"].token = CSRF_IN_FORM.search(self.clients["logged out"].get("/login").text).group(1)
        for membership in list(Membership.select().order_by(Membership.id)):
            self.clients[_visitor(membership, business)] = app.test_client().login(membership.user)
        self.ours = _everything(business, self.clients["admin"], membership=standard)
        self.theirs = _everything(outsider.business, self.clients["other business"], membership=outsider)

    def send(self, visitor: str, method: str, rule, values: dict | None = None):
        """One plain request with the visitor's own CSRF token, to the rule's address with our values (or these)."""
        client = self.clients[visitor]
        data = {"csrf_token": client.token} if method != "GET" else None
        return client.open(url(rule.rule, self.ours | (values or {})), method=method, data=data)


VISITORS = ("logged out", "other business", "standard, can publish", "standard, no Can publish", "admin")


def _visitor(membership, business) -> str:
    if membership.business_id != business.id:
        return "other business"
    if membership.is_admin:
        return "admin"
    return "standard, can publish" if membership.can_publish else "standard, no Can publish"


def _everything(business, client, membership) -> dict:
    """Real values for every URL variable in `business`; the document and its line item are added as a person does."""
    card = make_coding(business).card
    supplier = make_contact(business, "Acme Fuels Ltd")
    remember_printed_name(business.id, "ACME FUELS", supplier.id)  # a printed name to forget
    document = (io.BytesIO(pdf_bytes("Acme Fuels Ltd")), "bill.pdf")
    client.form(f"/b/{business.id}/inbox/costs/upload", {"files": document})
    read_documents(client.application)
    item = Item.get(Item.business == business)
    client.hx("POST", f"/b/{business.id}/items/{item.id}/lines", target="line-items")
    client.form(f"/b/{business.id}/housekeeping")  # a job of this business (its banner can be dismissed)
    run = JobRun.get(JobRun.business == business)
    message_id = post_message(client.application, business.id)  # a message received by email-in
    return {"business_id": business.id, "item_id": item.id, "line_id": LineItem.get(LineItem.item == item).id,
            "run_id": run.id, "message_id": message_id,
            "contact_id": supplier.id, "list_name": "suppliers", "payment_method_id": card.id,
            "membership_id": membership.id, "workspace": "costs", "name": "reference", "pending_id": "unknown",
            "filename": "css/docket.css", "job_id": f"refresh-{run.id}", "page": 1}
