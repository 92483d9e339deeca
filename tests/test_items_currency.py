"""A new item takes its Xero organisation's base currency, and the currency field offers the organisation's own
currencies (base first) instead of free text: a Canadian business never sees GBP by default."""
import io

from tests import xero_helpers as xh
from tests.items_helpers import pdf_bytes, read_documents
from tests.test_integrations_flow import connect
from tests.test_lists_refresh import refresh
from webapp.accounts.models import Business
from webapp.items.models import Item

CA_ORG = "Maple Ridge Outfitters Inc."


def _connected(xero_app, admin_client, business_id, sandbox, organisation):
    connect(admin_client, business_id, organisations=[organisation], choose=organisation, sandbox=sandbox)
    refresh(xero_app, business_id)


def _upload(client, business_id, text):
    response = client.form(f"/b/{business_id}/inbox/costs/upload",
                           {"files": (io.BytesIO(pdf_bytes(text)), "receipt.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "was added to the inbox" in response.text
    read_documents(client.application)
    return Item.select().where(Item.business == business_id).order_by(Item.id.desc()).first()


def _currency_select(page: str) -> str:
    start = page.index('id="input-currency"')
    return page[start:page.index("</select>", start)]


def test_a_canadian_business_gets_cad_items_and_a_select_of_its_currencies(xero_app, admin_client, admin, sandbox,
                                                                           tmp_path):
    xero_app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
    assert Business.get_by_id(admin.business_id).base_currency == "GBP"  # the business was made before connecting
    _connected(xero_app, admin_client, admin.business_id, sandbox, CA_ORG)
    business = Business.get_by_id(admin.business_id)
    assert (business.base_currency, business.country) == ("CAD", "CA")
    item = _upload(admin_client, admin.business_id, "Canadian Tire receipt")
    assert item.currency == "CAD"
    page = admin_client.get(f"/b/{admin.business_id}/items/{item.id}").text
    options = _currency_select(page)
    assert '<option value="CAD" selected>CAD (base currency)</option>' in options
    assert options.index("CAD (base currency)") < options.index('value="USD"')
    assert 'value="GBP"' not in options and "Turn it on in Xero" not in page


def test_an_item_keeps_a_code_xero_doesnt_use_and_the_select_says_so(xero_app, admin_client, admin, sandbox,
                                                                     tmp_path):
    xero_app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
    _connected(xero_app, admin_client, admin.business_id, sandbox, xh.UK_ORG)
    item = _upload(admin_client, admin.business_id, "Travis Perkins receipt")
    edited = admin_client.hx("POST", f"/b/{admin.business_id}/items/{item.id}/fields/currency",
                             data={"value": "JPY"})
    assert edited.status_code == 200
    assert '<option value="JPY" selected>JPY (not turned on in Xero)</option>' in edited.text
    assert "The Xero organisation doesn&#39;t use JPY" in edited.text
    assert Item.get_by_id(item.id).currency == "JPY"
