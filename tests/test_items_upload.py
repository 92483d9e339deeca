"""Uploading documents: checked by content, stored once, one inbox item per file, read in the background."""
import hashlib
import html
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfWriter

from tests.einvoice_helpers import cii_document, ubl_document
from tests.items_helpers import image_bytes, make_coding, make_contact, make_item, pdf_bytes, read_documents
from webapp.db import database
from webapp.items.models import Document, Item, ItemHistory
from webapp.migrations import m0008_file_names_without_bidi_controls as file_names_migration
from webapp.rules.models import ContactRule

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'


@pytest.fixture(autouse=True)
def storage(app, tmp_path):
    """Each test stores documents in its own folder."""
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
    return tmp_path / "documents"


def _text(response) -> str:
    return html.unescape(response.text)


def _stored_files(storage: Path) -> list[Path]:
    return [path for path in storage.rglob("*") if path.is_file()] if storage.exists() else []


def _upload(client, business_id, *files, workspace="costs", **kwargs):
    """Upload `files`, then let the `extract` worker read them, as it does right after an upload."""
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    response = client.form(f"/b/{business_id}/inbox/{workspace}/upload", data, content_type="multipart/form-data",
                           **kwargs)
    read_documents(client.application)
    return response


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


GOOD = [  # name, content, its type, and the kind of item reading makes of it (an e-invoice says what it is)
    ("receipt.jpg", lambda: image_bytes("JPEG"), "image/jpeg", "receipt"),
    ("receipt.png", lambda: image_bytes("PNG"), "image/png", "receipt"),
    ("receipt.gif", lambda: image_bytes("GIF", mode="P"), "image/gif", "receipt"),
    ("receipt.tiff", lambda: image_bytes("TIFF"), "image/tiff", "receipt"),
    ("IMG_0001.HEIC", lambda: image_bytes("HEIF"), "image/heic", "receipt"),
    ("bill.pdf", lambda: pdf_bytes("Hello"), "application/pdf", "receipt"),
    ("peppol-invoice.xml", ubl_document, "application/xml", "invoice"),
    ("credit note.XML", lambda: ubl_document("CreditNote"), "application/xml", "credit_note"),
    ("factur-x.xml", cii_document, "application/xml", "invoice"),
]


@pytest.mark.parametrize("name, make, content_type, kind", GOOD, ids=[g[0] for g in GOOD])
def test_good_file_becomes_an_inbox_item(admin_client, admin, storage, name, make, content_type, kind):
    content = make()
    response = _upload(admin_client, admin.business_id, (name, content))
    assert response.status_code == 200
    assert f"“{name}” was added to the inbox." in _text(response)
    document = Document.get()
    item = Item.get()
    sha = hashlib.sha256(content).hexdigest()
    assert (document.sha256, document.content_type, document.size, document.filename) == \
        (sha, content_type, len(content), name)
    assert (item.status, item.workspace, item.type, item.document_id) == ("inbox", "costs", kind, document.id)
    assert item.currency == ("EUR" if content_type == "application/xml" else admin.business.base_currency)
    assert item.created_by_id == admin.user_id
    stored = storage / sha[:2] / sha
    assert stored.read_bytes() == content
    assert not stored.stat().st_mode & 0o111  # never executable
    assert _stored_files(storage) == [stored]  # no temp files left behind
    history = ItemHistory.select().where(ItemHistory.item == item.id).order_by(ItemHistory.id).first()  # the first
    assert (history.field, history.new, history.source, history.user_id) == ("document", name, "upload",
                                                                               admin.user_id)


def test_sales_upload_makes_an_invoice(admin_client, admin):
    response = _upload(admin_client, admin.business_id, ("inv.png", image_bytes("PNG")), workspace="sales")
    assert response.status_code == 200 and "was added to the inbox" in _text(response)
    assert (Item.get().workspace, Item.get().type) == ("sales", "invoice")


def test_pdf_page_count_is_recorded(admin_client, admin):
    _upload(admin_client, admin.business_id, ("three.pdf", pdf_bytes("x", pages=3)))
    assert Document.get().page_count == 3


BAD = [
    ("too-large.pdf", lambda: b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), "is larger than 20 MB"),
    ("notes.txt", lambda: b"just some words", "isn't a file type we accept"),
    ("invoice.pdf", lambda: b"<script>alert('x')</script>", "is named like a PDF but isn't one"),
    ("invoice.jpg", lambda: b"<!doctype html><html><script>alert(1)</script></html>", "is a web page or script"),
    ("logo.svg", lambda: SVG, "is an SVG image, which isn't accepted"),
    ("order.xml", lambda: b'<?xml version="1.0"?><Order xmlns="urn:example"><ID>1</ID></Order>',
     "is a web page or script"),
    ("page.xml", lambda: b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script/></html>',
     "is a web page or script"),
    ("invoice.xml", lambda: b'<?xml version="1.0"?><Invoice><ID>1</ID></Invoice>', "is a web page or script"),
    ("logo.png", lambda: SVG, "is an SVG image, which isn't accepted"),
    ("empty.pdf", lambda: b"", "is empty"),
    ("broken.pdf", lambda: b"%PDF-1.4\n1 0 obj garbage", "is a damaged PDF"),
    ("cut.pdf", lambda: pdf_bytes("Total 1.00")[:150], "is a damaged PDF"),
    ("locked.pdf", _encrypted_pdf, "is password-protected"),
    ("broken.png", lambda: image_bytes("PNG")[:60], "is a damaged PNG image"),
    ("cut.jpg", lambda: image_bytes("JPEG", size=(400, 300), color="red")[:400], "is a damaged JPEG image"),
    ("flood.png", lambda: image_bytes("PNG", size=(8000, 6000), mode="1"), "is 8000×6000 pixels"),
]


@pytest.mark.parametrize("name, make, message", BAD, ids=[b[0] for b in BAD])
def test_bad_file_is_refused_with_its_name_and_nothing_is_stored(admin_client, admin, storage, name, make, message):
    response = _upload(admin_client, admin.business_id, (name, make()))
    assert response.status_code == 422
    assert f"“{name}” {message}" in _text(response)
    assert "so it wasn't uploaded." in _text(response)
    assert Document.select().count() == 0 and Item.select().count() == 0 and ItemHistory.select().count() == 0
    assert _stored_files(storage) == []


def test_bad_file_does_not_stop_the_good_ones(admin_client, admin, storage):
    response = _upload(admin_client, admin.business_id, ("a.png", image_bytes("PNG")), ("b.pdf", b"MZ\x90\x00"),
                       ("c.jpg", image_bytes("JPEG")))
    assert response.status_code == 200
    assert "“a.png” was added" in _text(response) and "“c.jpg” was added" in _text(response)
    assert "“b.pdf” is named like a PDF but isn't one" in _text(response)
    assert sorted(d.filename for d in Document.select()) == ["a.png", "c.jpg"]
    assert Item.select().count() == 2 and len(_stored_files(storage)) == 2


def test_identical_file_is_stored_once_and_links_the_existing_item(admin_client, admin, storage):
    content = pdf_bytes("Same")
    _upload(admin_client, admin.business_id, ("first.pdf", content))
    first = Item.get()
    response = _upload(admin_client, admin.business_id, ("again.pdf", content), ("also.pdf", content))
    assert response.status_code == 200
    assert "“again.pdf” is a duplicate upload" in _text(response)
    assert "“also.pdf” is a duplicate upload" in _text(response)
    assert f'href="/b/{admin.business_id}/items/{first.id}">Open the existing item' in _text(response)
    assert Document.select().count() == 1 and Item.select().count() == 1 and len(_stored_files(storage)) == 1


def test_the_same_file_in_another_business_is_its_own_item(admin_client, admin, app, outsider, storage):
    content = image_bytes("PNG")
    _upload(admin_client, admin.business_id, ("a.png", content))
    other = app.test_client().login(outsider.user)
    response = _upload(other, outsider.business_id, ("a.png", content))
    assert "was added to the inbox" in _text(response)
    assert Item.select().where(Item.business == outsider.business_id).count() == 1
    assert len(_stored_files(storage)) == 1  # content-addressed: one file on disk for both


def test_no_file_chosen_asks_for_one(admin_client, admin):
    response = admin_client.form(f"/b/{admin.business_id}/inbox/costs/upload", {"files": (io.BytesIO(b""), "")},
                                 content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose at least one file to upload." in _text(response)
    assert Document.select().count() == 0


def test_upload_to_unknown_workspace_is_404(admin_client, admin):
    response = _upload(admin_client, admin.business_id, ("a.png", image_bytes("PNG")), workspace="payroll")
    assert response.status_code == 404
    assert Document.select().count() == 0


def test_htmx_upload_returns_the_upload_fragment_and_refreshes_the_table(admin_client, admin):
    data = {"files": [(io.BytesIO(image_bytes("PNG")), "a.png")], "csrf_token": admin_client.token}
    response = admin_client.hx("POST", f"/b/{admin.business_id}/inbox/costs/upload", target="items-upload",
                               data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "<html" not in _text(response) and 'id="items-upload"' in _text(response)
    assert "“a.png” was added to the inbox." in _text(response)
    assert "HX-Request" in response.headers["Vary"]
    assert json.loads(response.headers["HX-Trigger"]) == {"items-changed": True}
    assert Item.select().count() == 1


def test_htmx_upload_of_only_bad_files_is_422_without_refresh(admin_client, admin):
    data = {"files": [(io.BytesIO(b""), "empty.png")], "csrf_token": admin_client.token}
    response = admin_client.hx("POST", f"/b/{admin.business_id}/inbox/costs/upload", target="items-upload",
                               data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "“empty.png” is empty" in _text(response) and "HX-Trigger" not in response.headers


def test_whole_request_over_the_limit_is_413(app, admin_client, admin):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = _upload(admin_client, admin.business_id, ("big.png", image_bytes("PNG", size=(300, 300),
                                                                                     mode="RGB") + b"x" * 2048))
    assert response.status_code == 413
    assert "too large" in _text(response) and Document.select().count() == 0


def test_pdf_text_prefills_date_total_reference_and_supplier(admin_client, admin):
    supplier = make_contact(admin.business, "Acme Supplies Ltd")
    make_contact(admin.business, "Acme Customer Ltd", is_supplier=False, is_customer=True)
    content = pdf_bytes("ACME SUPPLIES LTD", "Invoice No: INV-0042", "Invoice date: 12 Mar 2026",
                        "Subtotal 100.00", "VAT 20.00", "Total £120.00")
    response = _upload(admin_client, admin.business_id, ("acme.pdf", content))
    assert response.status_code == 200
    item = Item.get()
    assert (item.date, item.total, item.reference, item.contact_id) == \
        (date(2026, 3, 12), Decimal("120.00"), "INV-0042", supplier.id)
    read = {(h.field, h.new) for h in ItemHistory.select().where(ItemHistory.source == "reading the document")}
    assert read == {("date", "2026-03-12"), ("total", "120.00"), ("reference", "INV-0042"),
                    ("contact", "Acme Supplies Ltd"), ("type", "Invoice"), ("net", "100.00"), ("tax", "20.00")}
    page = admin_client.get(f"/b/{admin.business_id}/items/{item.id}")
    assert "INV-0042" in page.text and "Acme Supplies Ltd" in page.text and "120.00" in page.text
    assert "reading the document" in admin_client.get(f"/b/{admin.business_id}/items/{item.id}?tab=history").text


def test_archived_contacts_are_not_matched(admin_client, admin):
    make_contact(admin.business, "Old Supplier Ltd", status="ARCHIVED")
    _upload(admin_client, admin.business_id, ("old.pdf", pdf_bytes("Old Supplier Ltd", "Total 5.00")))
    item = Item.get()
    assert item.contact_id is None and item.total == Decimal("5.00")


def test_a_document_whose_file_is_gone_is_not_found(admin_client, admin):
    item = make_item(admin.business)  # its document row points at a file that was never stored
    assert admin_client.get(f"/b/{admin.business_id}/items/{item.id}/document").status_code == 404


def test_member_opens_the_document_with_safe_headers(admin_client, admin):
    content = pdf_bytes("Hello")
    _upload(admin_client, admin.business_id, ("Café; receipt #1.pdf", content))
    item = Item.get()
    response = admin_client.get(f"/b/{admin.business_id}/items/{item.id}/document")
    assert response.status_code == 200
    assert response.data == content
    assert response.mimetype == "application/pdf"
    assert Document.get().filename == "Café; receipt #1.pdf"  # the name as uploaded, for display
    assert response.headers["Content-Disposition"] == 'inline; filename="Caf_ receipt _1.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = [part.strip() for part in response.headers["Content-Security-Policy"].split(";")]
    assert policy[0] == "sandbox" and "default-src 'none'" in policy and "frame-ancestors 'self'" in policy


def test_image_document_is_served_with_its_stored_type(admin_client, admin):
    _upload(admin_client, admin.business_id, ("photo.txt.png", image_bytes("PNG")))
    item = Item.get()
    response = admin_client.get(f"/b/{admin.business_id}/items/{item.id}/document")
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == 'inline; filename="photo.txt.png"'
    page = admin_client.get(f"/b/{admin.business_id}/items/{item.id}")
    assert f'<img src="/b/{admin.business_id}/items/{item.id}/document"' in page.text


def test_an_e_invoice_xml_is_offered_as_a_download_never_shown_as_a_page(admin_client, standard_client, admin):
    content = ubl_document()
    _upload(admin_client, admin.business_id, ("Tulip INV-2024-0042.xml", content))
    item = Item.get()
    response = standard_client.get(f"/b/{admin.business_id}/items/{item.id}/document")
    assert response.status_code == 200 and response.data == content
    assert response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Tulip INV-2024-0042.xml"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = standard_client.get(f"/b/{admin.business_id}/items/{item.id}")
    assert page.status_code == 200
    assert f'<a href="/b/{admin.business_id}/items/{item.id}/document" download>Download Tulip INV-2024-0042.xml' \
        in page.text
    assert "An e-invoice in XML" in page.text and "<iframe" not in page.text and "kind of image" not in page.text
    inbox = standard_client.get(f"/b/{admin.business_id}/inbox/costs")
    assert inbox.status_code == 200 and '<span class="file-kind">E-invoice</span>' in inbox.text


def test_an_e_invoice_declaring_entities_is_kept_and_nothing_in_it_is_expanded(admin_client, admin, storage):
    """Reading refuses it with its reason on the item; the upload keeps the file as it came."""
    content = ubl_document().replace(
        b'<?xml version="1.0" encoding="UTF-8"?>',
        b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    ).replace(b"<cbc:Name>Consulting hours</cbc:Name>", b"<cbc:Name>&e;</cbc:Name>")
    response = _upload(admin_client, admin.business_id, ("xxe.xml", content))
    assert response.status_code == 200 and "“xxe.xml” was added to the inbox." in _text(response)
    assert Document.get().content_type == "application/xml"
    assert [path.read_bytes() for path in _stored_files(storage)] == [content]
    page = admin_client.get(f"/b/{admin.business_id}/items/{Item.get().id}")
    assert page.status_code == 200 and "root:x:0" not in page.text


def test_item_page_shows_the_pdf_pages_beside_the_fields_and_a_link_to_the_pdf(admin_client, standard_client, admin):
    _upload(admin_client, admin.business_id, ("bill.pdf", pdf_bytes("Hello", pages=5)))
    item = Item.get()
    page = standard_client.get(f"/b/{admin.business_id}/items/{item.id}")
    assert page.status_code == 200
    shown = re.findall(rf'<img src="/b/{admin.business_id}/items/{item.id}/pages/(\d)" alt="Page \d of bill.pdf"',
                       page.text)
    assert shown == ["1", "2", "3"]  # the first pages; the whole PDF is a click away
    assert f'<a href="/b/{admin.business_id}/items/{item.id}/document"' in page.text
    assert "Open bill.pdf" in page.text and "Inbox" in page.text


def test_non_members_and_other_businesses_get_404_for_item_and_file(app, admin_client, admin, outsider):
    _upload(admin_client, admin.business_id, ("bill.pdf", pdf_bytes("Secret Supplier")))
    item = Item.get()
    other = app.test_client().login(outsider.user)
    for url in (f"/b/{admin.business_id}/items/{item.id}", f"/b/{admin.business_id}/items/{item.id}/document",
                f"/b/{outsider.business_id}/items/{item.id}", f"/b/{outsider.business_id}/items/{item.id}/document"):
        response = other.get(url)
        assert response.status_code == 404, url
        assert b"%PDF" not in response.data and "bill.pdf" not in _text(response)


def test_missing_item_is_404(admin_client, admin):
    assert admin_client.get(f"/b/{admin.business_id}/items/999999").status_code == 404
    assert "We couldn" in admin_client.get(f"/b/{admin.business_id}/items/999999/document").text


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width`×`height` pixels (a decompression bomb's first bytes)."""
    import struct
    import zlib

    data = bytearray(image_bytes("PNG", size=(1, 1)))
    ihdr = bytearray(data[12:29])  # b"IHDR" + 13 bytes
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


@pytest.mark.parametrize("width, height", [(7000, 7000), (12000, 12000), (60000, 60000)])
def test_pixel_floods_are_refused_before_decoding(width, height):
    from webapp.items import validation

    with pytest.raises(validation.Rejected, match="megapixels"):
        validation.inspect(_png_claiming(width, height), "bomb.png")


def test_display_and_download_names_are_safe():
    from webapp.items.service import display_name, download_name

    assert display_name("C:\\Users\\me\\..\\scan\x00\r\n.pdf") == "scan.pdf"
    assert display_name("   ") == "Unnamed file"
    assert len(display_name("a" * 400 + ".pdf")) == 255
    document = Document(filename='x"; filename="evil.html', content_type="application/pdf")
    assert download_name(document) == "x_ filename_evil.pdf"
    assert download_name(Document(filename="....", content_type="image/png")) == "document.png"


def test_storage_path_comes_from_the_environment(tmp_path):
    from webapp.config import load_settings

    settings = load_settings({"DOCKET_ENV": "test", "DOCKET_INSTANCE_PATH": str(tmp_path)})
    assert settings.document_storage_path == tmp_path / "documents"
    custom = load_settings({"DOCKET_ENV": "test", "DOCKET_INSTANCE_PATH": str(tmp_path),
                            "DOCUMENT_STORAGE_PATH": str(tmp_path / "elsewhere")})
    assert custom.document_storage_path == tmp_path / "elsewhere"


def test_the_suppliers_rule_codes_an_item_on_arrival(admin_client, admin):
    coding = make_coding(admin.business)
    supplier = make_contact(admin.business, "Acme Supplies Ltd")
    ContactRule.create(business=admin.business_id, contact=supplier, category=coding.fuel, tax_rate=coding.vat20)
    content = pdf_bytes("ACME SUPPLIES LTD", "Invoice No: INV-7", "Invoice date: 12 Mar 2026", "Total £120.00")
    _upload(admin_client, admin.business_id, ("acme.pdf", content))
    item = Item.get()
    assert (item.category_id, item.tax_rate_id, item.tax, item.net, item.status) == \
        (coding.fuel.id, coding.vat20.id, Decimal("20.00"), Decimal("100.00"), "ready")
    sources = {h.field: h.source for h in ItemHistory.select().where(ItemHistory.item == item.id)}
    assert sources["category"] == "rule for Acme Supplies Ltd" and sources["tax"] == "calculated"


def test_a_second_bill_for_the_same_supplier_date_and_total_is_flagged_not_dropped(admin_client, admin):
    make_contact(admin.business, "Acme Supplies Ltd")
    first = pdf_bytes("ACME SUPPLIES LTD", "Invoice date: 12 Mar 2026", "Total £120.00")
    again = pdf_bytes("ACME SUPPLIES LTD", "Invoice date: 12 Mar 2026", "Total £120.00", "Copy")
    _upload(admin_client, admin.business_id, ("bill.pdf", first), ("bill-copy.pdf", again))
    original, copy = Item.select().order_by(Item.id)
    assert not original.needs_attention
    assert copy.needs_attention and copy.duplicate_of_id == original.id
    inbox = admin_client.get(f"/b/{admin.business_id}/inbox/costs?attention=1").text
    assert f'id="items-row-{copy.id}"' in inbox and f'id="items-row-{original.id}"' not in inbox


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def _shown(admin_client, item) -> str:
    """Everything a member sees of the item's file name: Costs, Item details and its History tab."""
    base = f"/b/{item.business_id}"
    return "".join(_text(admin_client.get(url)) for url in (f"{base}/inbox/costs", f"{base}/items/{item.id}",
                                                             f"{base}/items/{item.id}?tab=history"))


def test_bidirectional_controls_are_removed_from_uploaded_names(admin_client, admin):
    # U+202E (right-to-left override) would show "invoice\u202egpj.exe.pdf" as "invoicefdp.exe.jpg".
    response = _upload(admin_client, admin.business_id, ("invoice\u202egpj.exe.pdf", pdf_bytes("Hello")),
                       ("\u2067receipt\u200f\u061c.pdf", pdf_bytes("Other")))
    assert "invoicegpj.exe.pdf" in _text(response) and "receipt.pdf" in _text(response)
    assert sorted(d.filename for d in Document.select()) == ["invoicegpj.exe.pdf", "receipt.pdf"]
    shown = _shown(admin_client, Item.get(Item.document == Document.get(Document.filename == "receipt.pdf")))
    assert "receipt.pdf" in shown and not set(BIDI) & set(_text(response) + shown)


def test_names_stored_before_the_cleaning_are_cleaned_by_the_migration(admin_client, admin):
    _upload(admin_client, admin.business_id, ("invoice.pdf", pdf_bytes("Hello")))
    item = Item.get()
    # A row saved by an earlier Docket, which kept these characters.
    Document.update(filename="invoice\u202egpj.exe.pdf").execute()
    ItemHistory.update(new="invoice\u202egpj.exe.pdf").where(ItemHistory.field == "document").execute()
    file_names_migration.up(database.obj, None)
    shown = _shown(admin_client, item)
    assert "Open invoicegpj.exe.pdf" in shown and "\u202e" not in shown
    assert ItemHistory.get(ItemHistory.field == "document").new == "invoicegpj.exe.pdf"


def test_each_inbox_names_its_own_documents_and_uploads_on_choosing(admin_client, admin):
    sales = admin_client.get(f"/b/{admin.business_id}/inbox/sales").text
    costs = admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    assert "Drop sales invoices and credit notes here" in sales and "receipts" not in sales.lower()
    assert "Drop receipts, bills and credit notes here" in costs
    # choosing files uploads them; an Upload button beside it would send an empty form afterwards
    assert '<noscript><button type="submit" class="button primary">Upload</button></noscript>' in costs
