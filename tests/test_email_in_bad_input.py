"""Email-in's bad input: too large, too many attachments, forwards nested too deep, archives, malformed MIME,
undecodable headers and senders not on the allowed list. Each is refused or set aside with a reason an admin sees
on Settings → Email-in; nothing is lost and the receiver keeps answering."""
import html
import io
import smtplib
import zipfile
from email.message import EmailMessage

import pytest

from tests.email_helpers import address_of, message, process_email, receiver
from tests.items_helpers import image_bytes, pdf_bytes
from webapp.inbound import hook, parsing
from webapp.inbound.models import InboundMessage
from webapp.items.models import Item


@pytest.fixture(autouse=True)
def storage(app, tmp_path):
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")


@pytest.fixture
def costs(admin_client, admin):
    return address_of(admin_client, admin.business_id)


def _crlf(raw: bytes) -> bytes:
    """Lines ended as SMTP wants them (smtplib sends bytes as they are)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _send_raw(port: int, raw: bytes, to: str, mail_from="bills@supplier.test"):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.sendmail(mail_from, [to], _crlf(raw))


def _admin_page(admin_client, admin) -> str:
    return html.unescape(admin_client.get(f"/b/{admin.business_id}/settings/email").text)


def _items(business_id):
    return list(Item.select().where(Item.business == business_id).order_by(Item.id))


def test_a_message_over_max_upload_mb_is_refused_by_smtp_and_admins_see_it(app, admin_client, admin, costs):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # MAX_UPLOAD_MB=1
    big = message(costs, subject="Huge scan", attachments=[("scan.pdf", b"%PDF-" + b"x" * 1_000_000, "application",
                                                            "pdf")]).as_bytes()
    with receiver(app) as port:
        with pytest.raises(smtplib.SMTPSenderRefused) as declared:  # a sender that says the size is turned away
            _send_raw(port, big, costs)  # at MAIL FROM (smtplib sends SIZE=, as relays do)
        assert declared.value.smtp_code == 552
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:  # one that doesn't, after DATA
            client.ehlo()
            client.mail("bills@supplier.test")
            client.rcpt(costs)
            assert client.data(_crlf(big))[0] == 552
        assert _send_raw(port, message(costs).as_bytes(), costs) == {}  # and the receiver still answers
    refusal = InboundMessage.get(InboundMessage.state == "refused")
    assert refusal.storage_key == "" and refusal.mail_from == "bills@supplier.test"
    page = _admin_page(admin_client, admin)
    assert "Refused" in page and "larger than 1 MB" in page and "the sender was told" in page


def test_a_message_over_max_upload_mb_is_refused_by_the_hook(app, client, admin_client, admin, costs):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    raw = message(costs, attachments=[("a.pdf", b"%PDF-" + b"x" * 1_000_000, "application", "pdf")]).as_bytes()
    response = client.post("/inbound/email", data=raw, headers={
        "X-Docket-Signature": hook.sign(raw, app.config["INBOUND_EMAIL_SECRET"]), "X-Docket-Recipients": costs})
    assert response.status_code == 413 and response.text == "Refused: the message is larger than 1 MB\n"
    assert InboundMessage.select().count() == 0  # unread, so unsigned: nothing recorded for an unproven post


def test_a_hundred_attachments_make_fifty_items_and_the_rest_are_set_aside(app, admin_client, admin, costs):
    images = [(f"r{n:03}.png", image_bytes("PNG", size=(10 + n, 10)), "image", "png") for n in range(100)]
    with receiver(app) as port:
        _send_raw(port, message(costs, attachments=images).as_bytes(), costs)
    process_email(app)
    assert len(_items(admin.business_id)) == parsing.MAX_ATTACHMENTS == 50
    stored = InboundMessage.get()
    assert stored.state == "done" and stored.parts.count() == 100
    assert "50 of 100 became items" in stored.reason and "“r050.png” was set aside" in stored.reason
    assert "more than 50 attachments" in _admin_page(admin_client, admin)


def _forwarded(levels: int, innermost: EmailMessage) -> EmailMessage:
    current = innermost
    for level in range(levels):
        outer = EmailMessage()
        outer["From"], outer["To"], outer["Subject"] = "fwd@supplier.test", "x@y.test", f"Fwd {level}"
        outer.set_content("forwarded")
        outer.add_attachment(current)
        current = outer
    return current


def test_forwards_are_followed_three_deep_and_deeper_nesting_is_set_aside(app, admin_client, admin, costs):
    bill = message("x@y.test", attachments=[("inner.pdf", pdf_bytes("Inner bill"), "application", "pdf")])
    shallow = _forwarded(1, bill)
    deep = _forwarded(8, message("x@y.test", attachments=[("deep.pdf", pdf_bytes("Deep"), "application", "pdf")]))
    shallow.replace_header("To", costs)
    deep.replace_header("To", costs)
    with receiver(app) as port:
        _send_raw(port, shallow.as_bytes(), costs)
        _send_raw(port, deep.as_bytes(), costs)
    process_email(app)
    assert [item.document.filename for item in _items(admin.business_id)] == ["inner.pdf"]
    nested = InboundMessage.select().order_by(InboundMessage.id.desc()).first()
    assert "nested more than 3 forwarded messages deep" in nested.reason


def test_a_zip_attachment_is_not_opened_and_says_why(app, admin_client, admin, costs):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * 20_000_000)  # 20 MB of zeros in a few KB
    with receiver(app) as port:
        _send_raw(port, message(costs, attachments=[("bills.zip", bomb.getvalue(), "application", "zip"),
                                                    ("ok.png", image_bytes("PNG"), "image", "png")]).as_bytes(),
                  costs)
    process_email(app)
    assert [item.document.filename for item in _items(admin.business_id)] == ["ok.png"]
    assert "“bills.zip” is an archive (zip or similar), which Docket doesn't open" in _admin_page(admin_client,
                                                                                                  admin)


MALFORMED = [
    # a multipart whose boundary never comes, a part with a broken base64 body, headers only
    b"From: a@supplier.test\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n"
    b"no boundary ever\r\n",
    b"From: a@supplier.test\r\nSubject: bad base64\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
    b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: application/pdf\r\n"
    b"Content-Disposition: attachment; filename=\"x.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"!!!!not base64@@@\r\n--b--\r\n",
    b"\x00\x01\x02 not a message at all \xff\xfe\r\n",
    b"Subject: =?unknown-charset?B?SGVsbG8=?=\r\nFrom: =?utf-8?Q?=E9?= <\xe9\xe9@supplier.test>\r\n"
    b"Content-Type: text/plain; charset=\"x-no-such-charset\"\r\n\r\nTotal 9.99\r\n",
]


@pytest.mark.parametrize("raw", MALFORMED)
def test_malformed_mime_is_stored_and_set_aside_or_read_never_crashing(app, admin_client, admin, costs, raw):
    with receiver(app) as port:
        assert _send_raw(port, raw, costs) == {}
        process_email(app)
        assert _send_raw(port, message(costs).as_bytes(), costs) == {}  # the receiver still answers
    process_email(app)
    first = InboundMessage.select().order_by(InboundMessage.id).first()
    assert first.storage_key and first.state in ("done", "set_aside")  # kept, and finished one way or the other
    assert first.state == "done" or first.reason
    page = admin_client.get(f"/b/{admin.business_id}/settings/email")
    assert page.status_code == 200
    download = admin_client.get(f"/b/{admin.business_id}/settings/email/messages/{first.id}/raw")
    assert download.data == _crlf(raw)  # byte for byte as it was received


def test_non_utf8_headers_become_readable_text(app, admin_client, admin, costs):
    raw = (b"From: Caf\xe9 Bleu <caf\xe9@bleu.test>\r\nTo: " + costs.encode() + b"\r\nSubject: Re\xe7u \xa3 12\r\n"
           b"Content-Type: text/plain; charset=latin-1\r\n\r\nTotal \xa312.00\r\n")
    with receiver(app) as port:
        assert _send_raw(port, raw, costs) == {}
    process_email(app)
    stored = InboundMessage.get()
    assert stored.subject.startswith("Re") and "12" in stored.subject
    [item] = _items(admin.business_id)
    assert item.document.filename.endswith(".eml")
    assert admin_client.get(f"/b/{admin.business_id}/items/{item.id}?tab=history").status_code == 200


def test_a_sender_not_on_the_list_is_set_aside_until_an_admin_releases_it(app, admin_client, admin, costs):
    saved = admin_client.hx("POST", f"/b/{admin.business_id}/settings/email/senders", target="email-senders",
                            data={"senders": "bills@supplier.test\n@trusted.test"})
    assert saved.status_code == 200 and "Allowed senders saved" in saved.text
    bill = [("bill.pdf", pdf_bytes("Invoice 1"), "application", "pdf")]
    spoofed = message(costs, sender="bills@supplier.test", attachments=bill)  # From says the listed supplier…
    with receiver(app) as port:
        _send_raw(port, spoofed.as_bytes(), costs, mail_from="attacker@evil.test")  # …the envelope doesn't
        _send_raw(port, message(costs, sender="anyone@trusted.test",
                                attachments=[("t.png", image_bytes("PNG"), "image", "png")]).as_bytes(),
                  costs, mail_from="bounce@trusted.test")
    process_email(app)
    assert [item.document.filename for item in _items(admin.business_id)] == ["t.png"]
    held = InboundMessage.get(InboundMessage.state == "set_aside")
    page = _admin_page(admin_client, admin)
    assert "sent by attacker@evil.test, who isn't on the allowed senders list" in page and "Release" in page
    released = admin_client.hx("POST", f"/b/{admin.business_id}/settings/email/messages/{held.id}/release",
                               target="email-messages")
    assert released.status_code == 200 and "Released" in released.text
    process_email(app)
    assert [item.document.filename for item in _items(admin.business_id)] == ["t.png", "bill.pdf"]
    again = admin_client.hx("POST", f"/b/{admin.business_id}/settings/email/messages/{held.id}/release",
                            target="email-messages")
    assert again.status_code == 422 and "can't be released" in html.unescape(again.text)


def test_a_bad_allowed_senders_entry_is_explained_and_nothing_changes(app, admin_client, admin):
    response = admin_client.hx("POST", f"/b/{admin.business_id}/settings/email/senders", target="email-senders",
                               data={"senders": "good@supplier.test\nnot an address"})
    assert response.status_code == 422 and "“not” isn't an email address or @domain" in html.unescape(
        response.text)
    assert "good@supplier.test" in response.text  # what was typed stays in the box
    assert "good@supplier.test" not in admin_client.get(f"/b/{admin.business_id}/settings/email").text
