"""Email-in through the running SMTP receiver and the signed HTTP hook: attachments become items in the right
business and inbox, an e-receipt becomes one item, unknown addresses and bad signatures are refused."""
import html
import smtplib
from decimal import Decimal

import pytest

from tests.email_helpers import address_of, message, process_email, receiver
from tests.items_helpers import image_bytes, make_contact, pdf_bytes, read_documents
from webapp.inbound import addresses, hook
from webapp.inbound.models import InboundMessage
from webapp.items.models import Document, Item, ItemHistory

E_RECEIPT = """<html><head><style>body{color:red}</style><script>alert('x')</script></head><body>
<h1>Corner Café</h1><p>Thanks for your order.</p>
<table><tr><td>Flat white</td><td>£3.20</td></tr><tr><td>Total</td><td>£12.50</td></tr></table>
<p>Date: 3 December 2026</p><img src="https://tracker.example/pixel.gif" onerror="alert(1)">
<a href="javascript:alert(2)">Manage</a> <a href="https://corner.example/receipt">View online</a></body></html>"""


@pytest.fixture(autouse=True)
def storage(app, tmp_path):
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")


def _send(port: int, mail, *, mail_from="bills@supplier.test"):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.send_message(mail, from_addr=mail_from)


def _items(business_id, workspace="costs"):
    return list(Item.select().join(Document).where((Item.business == business_id) & (Item.workspace == workspace))
                .order_by(Item.id))


def test_three_attachments_sent_by_smtp_become_three_items_in_that_business_and_inbox(app, admin_client, admin,
                                                                                       outsider):
    costs = address_of(admin_client, admin.business_id, "costs")
    assert costs.endswith("@docket.localhost") and costs.split("-")[0] in admin.business.name.lower()
    pdfs = [(f"bill-{n}.pdf", pdf_bytes(f"Invoice {n}", "Total 10.00"), "application", "pdf") for n in (1, 2, 3)]
    with receiver(app) as port:
        assert _send(port, message(costs, attachments=pdfs)) == {}  # no recipient refused: 250
    process_email(app)
    items = _items(admin.business_id)
    assert [item.document.filename for item in items] == ["bill-1.pdf", "bill-2.pdf", "bill-3.pdf"]
    assert _items(admin.business_id, "sales") == [] and _items(outsider.business_id) == []
    history = ItemHistory.get((ItemHistory.item == items[0].id) & (ItemHistory.field == "document"))
    assert history.source == "email" and history.user_id is None
    assert "Emailed by bills@supplier.test on" in history.new and "subject “Your bill”" in history.new
    read_documents(app)
    page = admin_client.get(f"/b/{admin.business_id}/items/{items[0].id}?tab=history").text
    assert "Emailed by bills@supplier.test on" in html.unescape(page)


def test_the_sales_address_files_into_sales(app, admin_client, admin):
    sales = address_of(admin_client, admin.business_id, "sales")
    assert "-sales-" in sales and sales != address_of(admin_client, admin.business_id, "costs")
    with receiver(app) as port:
        _send(port, message(sales, attachments=[("inv.png", image_bytes("PNG"), "image", "png")]))
    process_email(app)
    assert [item.workspace for item in _items(admin.business_id, "sales")] == ["sales"]


def test_an_unknown_address_is_refused_at_rcpt_and_nothing_is_stored(app, admin_client, admin):
    costs = address_of(admin_client, admin.business_id)
    with receiver(app) as port:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            _send(port, message("nobody-zzzz@docket.localhost"))
        code, text = refused.value.recipients["nobody-zzzz@docket.localhost"]
        assert code == 550 and b"No such Docket address" in text
        with pytest.raises(smtplib.SMTPRecipientsRefused):  # the right local part at another domain isn't it
            _send(port, message(costs.replace("docket.localhost", "elsewhere.test")))
    assert InboundMessage.select().count() == 0


def test_a_new_address_retires_the_old_one(app, admin_client, admin):
    old = address_of(admin_client, admin.business_id)
    response = admin_client.hx("POST", f"/b/{admin.business_id}/settings/email/address/costs",
                               target="email-addresses")
    assert response.status_code == 200 and "New address issued" in response.text
    new = address_of(admin_client, admin.business_id)
    assert new != old and new in response.text
    with receiver(app) as port:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            _send(port, message(old))
        assert _send(port, message(new, attachments=[("a.png", image_bytes("PNG"), "image", "png")])) == {}


def test_only_admins_manage_email_in_but_everyone_sees_the_address(app, admin_client, standard_client, admin):
    page = standard_client.get(f"/b/{admin.business_id}/inbox/costs").text
    assert "Forward bills and receipts to" in page and "Manage email-in" not in page
    assert standard_client.get(f"/b/{admin.business_id}/settings/email").status_code == 403
    assert standard_client.hx("POST", f"/b/{admin.business_id}/settings/email/address/costs").status_code == 403
    assert "Manage email-in" in admin_client.get(f"/b/{admin.business_id}/inbox/costs").text


def test_an_html_e_receipt_becomes_one_item_read_from_its_text_and_shown_sanitised(app, admin_client, admin):
    cafe = make_contact(admin.business, "Corner Café")
    costs = address_of(admin_client, admin.business_id)
    mail = message(costs, sender="Corner Café <receipts@corner.example>", subject="Your Corner Café receipt",
                   text="Total £12.50", html=E_RECEIPT)
    with receiver(app) as port:
        _send(port, mail, mail_from="receipts@corner.example")
    process_email(app)
    read_documents(app)
    [item] = _items(admin.business_id)
    assert item.document.content_type == "message/rfc822"
    assert item.document.filename == "Your Corner Café receipt.eml"
    assert item.total == Decimal("12.50") and item.status == "inbox"
    assert item.contact_id == cafe.id  # the body's heading, not the subject's "Your … receipt"
    page = admin_client.get(f"/b/{admin.business_id}/items/{item.id}").text
    body = page[page.index('class="email-body"'):]
    assert "Corner Café" in html.unescape(body) and "Flat white" in body
    assert "<script" not in body.split("</div>")[0] and "alert" not in body.split("</div>")[0]
    assert "tracker.example" not in page and "javascript:" not in page and "color:red" not in page
    assert 'href="https://corner.example/receipt"' in body
    download = admin_client.get(f"/b/{admin.business_id}/items/{item.id}/document")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Content-Type"].startswith("message/rfc822")


def test_a_plain_text_e_receipt_is_shown_as_text(app, admin_client, admin):
    costs = address_of(admin_client, admin.business_id)
    with receiver(app) as port:
        _send(port, message(costs, subject="Receipt", text="Taxi ride <b>not bold</b>\nTotal £8.40"))
    process_email(app)
    [item] = _items(admin.business_id)
    page = admin_client.get(f"/b/{admin.business_id}/items/{item.id}").text
    assert '<pre class="email-text">Taxi ride &lt;b&gt;not bold&lt;/b&gt;' in page


def test_the_same_document_emailed_twice_is_one_item(app, admin_client, admin):
    costs = address_of(admin_client, admin.business_id)
    bill = [("bill.pdf", pdf_bytes("Invoice 7"), "application", "pdf")]
    with receiver(app) as port:
        _send(port, message(costs, attachments=bill))
        _send(port, message(costs, subject="Reminder", attachments=bill))
    process_email(app)
    assert len(_items(admin.business_id)) == 1
    second = InboundMessage.select().order_by(InboundMessage.id.desc()).first()
    assert second.state == "done" and [part.outcome for part in second.parts] == ["duplicate"]


def test_a_signed_post_to_the_http_hook_becomes_items(app, client, admin_client, admin):
    costs = address_of(admin_client, admin.business_id)
    raw = message(costs, attachments=[("hook.pdf", pdf_bytes("Hook bill"), "application", "pdf")]).as_bytes()
    secret = app.config["INBOUND_EMAIL_SECRET"]
    response = client.post("/inbound/email", data=raw, headers={"X-Docket-Signature": hook.sign(raw, secret),
                                                                "Content-Type": "message/rfc822"})
    assert response.status_code == 200 and response.text.startswith("Accepted")
    process_email(app)
    assert [item.document.filename for item in _items(admin.business_id)] == ["hook.pdf"]
    assert InboundMessage.get().channel == "http"


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "not-hex", hook.sign(b"another body", "x")])
def test_the_http_hook_refuses_a_bad_signature(app, client, admin_client, admin, signature):
    raw = message(address_of(admin_client, admin.business_id)).as_bytes()
    headers = {"X-Docket-Signature": signature} if signature else {}
    response = client.post("/inbound/email", data=raw, headers=headers)
    assert response.status_code == 401 and response.text == "Refused: the signature doesn't match\n"
    assert InboundMessage.select().count() == 0


def test_the_http_hook_takes_the_recipients_the_provider_names(app, client, admin_client, admin):
    sales = address_of(admin_client, admin.business_id, "sales")
    raw = message("someone@else.test", attachments=[("s.png", image_bytes("PNG"), "image", "png")]).as_bytes()
    secret = app.config["INBOUND_EMAIL_SECRET"]
    unknown = client.post("/inbound/email", data=raw, headers={"X-Docket-Signature": hook.sign(raw, secret)})
    assert unknown.status_code == 404 and "no Docket email-in address" in unknown.text
    named = client.post("/inbound/email", data=raw, headers={"X-Docket-Signature": hook.sign(raw, secret),
                                                             "X-Docket-Recipients": sales})
    assert named.status_code == 200
    process_email(app)
    assert len(_items(admin.business_id, "sales")) == 1


def test_the_http_hook_is_off_without_a_secret(app, client):
    app.config["INBOUND_EMAIL_SECRET"] = ""
    response = client.post("/inbound/email", data=b"From: a@b.test\r\n\r\nhi")
    assert response.status_code == 503


def test_one_message_to_two_businesses_inboxes_is_stored_once_and_files_into_each(app, admin_client, admin,
                                                                                  outsider):
    costs = address_of(admin_client, admin.business_id, "costs")
    with app.app_context():
        theirs = addresses.shown(outsider.business_id, "sales")
    mail = message(f"{costs}, {theirs}", attachments=[("shared.pdf", pdf_bytes("Shared bill"), "application", "pdf")])
    with receiver(app) as port:
        _send(port, mail)
    process_email(app)
    assert [item.document.filename for item in _items(admin.business_id, "costs")] == ["shared.pdf"]
    assert [item.document.filename for item in _items(outsider.business_id, "sales")] == ["shared.pdf"]
    stored = list(InboundMessage.select())
    assert len(stored) == 2 and len({message.storage_key for message in stored}) == 1
