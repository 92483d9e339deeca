"""Test documents made in memory (images with Pillow, PDFs by hand) and seeding helpers for the items tests."""
import io
import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont
from rq import SimpleWorker

from webapp.items import editing, storage
from webapp.items.models import Document, Item
from webapp.redis_conn import get_redis
from webapp.lists.models import (Category, Contact, Currency, Organisation, PaymentMethod, TaxRate, TrackingCategory,
                                 TrackingOption)

_documents = itertools.count(1)


def image_bytes(fmt: str = "JPEG", size=(64, 48), color="white", mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_bytes(*lines: str, pages: int = 1) -> bytes:
    """A small valid PDF whose first page shows `lines` in Helvetica (a real text layer pypdf can extract)."""
    text = "BT /F1 12 Tf 14 TL 72 740 Td " + " ".join(f"({_escape(line)}) '" for line in lines) + " ET"
    page_ids = [4 + 2 * n for n in range(pages)]
    objects = {1: "<< /Type /Catalog /Pages 2 0 R >>",
               2: f"<< /Type /Pages /Kids [{' '.join(f'{n} 0 R' for n in page_ids)}] /Count {pages} >>",
               3: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    for index, page_id in enumerate(page_ids):
        content = text if index == 0 else "BT ET"
        objects[page_id] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {page_id + 1} 0 R "
                            "/Resources << /Font << /F1 3 0 R >> >> >>")
        objects[page_id + 1] = f"<< /Length {len(content)} >>\nstream\n{content}\nendstream"
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n{objects[number]}\nendobj\n".encode("latin-1")
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offsets[n]:010d} 00000 n \n".encode() for n in range(1, size))
    out += f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class _ReadingWorker(SimpleWorker):
    """The `extract` queue's worker in this process, without rq's command channel (of no use in a burst)."""

    def subscribe(self):
        pass


def read_documents(app) -> None:
    """Run the `extract` queue's jobs as its worker would: every uploaded document waiting to be read is read."""
    with app.app_context():
        _ReadingWorker(["extract"], connection=get_redis()).work(burst=True)


def make_contact(business, name: str, **overrides) -> Contact:
    fields = {"business": business, "xero_id": f"contact-{name}", "name": name, "is_supplier": True}
    return Contact.create(**(fields | overrides))


def seed_items(business, count: int, *, workspace="costs", contacts=(), user=None) -> Document:
    """`count` items in one business via insert_many: dates over ~27 years, totals 1.00..count, every 7th needs
    attention, every 5th ready, contacts taken in turn."""
    sha256 = f"{next(_documents):064x}"
    document = Document.create(business=business, sha256=sha256, filename="seed.pdf", content_type="application/pdf",
                               size=10, page_count=1, storage_key=f"{sha256[:2]}/{sha256}")
    start, created = date(2000, 1, 1), datetime(2026, 1, 1)
    rows = [{"business": business.id, "workspace": workspace, "type": "receipt",
             "status": "ready" if n % 5 == 0 else "inbox", "document": document.id,
             "date": start + timedelta(days=n), "total": Decimal(n + 1), "currency": "GBP",
             "contact": contacts[n % len(contacts)].id if contacts else None, "needs_attention": n % 7 == 0,
             "created_at": created + timedelta(minutes=n), "updated_at": created, "created_by": user}
            for n in range(count)]
    for first in range(0, count, 1000):
        Item.insert_many(rows[first:first + 1000]).execute()
    return document


@dataclass
class Coding:
    """A small UK chart for coding items: two expense categories, a sales one, a bank account, VAT rates
    (standard, zero, domestic reverse charge, sales), two tracking categories and a payment method."""

    business: object
    fuel: Category
    office: Category
    sales: Category
    bank: Category
    vat20: TaxRate
    no_vat: TaxRate
    drc20: TaxRate
    vat_income: TaxRate
    north: TrackingOption
    south: TrackingOption
    project_a: TrackingOption
    card: PaymentMethod


def make_coding(business) -> Coding:
    b = business.id if hasattr(business, "id") else business

    def category(code, name, type_, account_class, tax_type):
        return Category.create(business=b, xero_id=f"acc-{code}-{b}", code=code, name=name, type=type_,
                               account_class=account_class, tax_type=tax_type)

    def rate(tax_type, name, percent, applies, report=""):
        return TaxRate.create(business=b, xero_id=tax_type, name=name, effective_rate=Decimal(percent),
                              display_rate=Decimal(percent), can_apply_to=applies, report_tax_type=report or tax_type)

    region = TrackingCategory.create(business=b, xero_id=f"region-{b}", name="Region")
    project = TrackingCategory.create(business=b, xero_id=f"project-{b}", name="Project")
    bank = category("090", "Business Account", "BANK", "ASSET", "")
    Organisation.create(business=b, tenant_id=f"tenant-{b}", name="Hartley & Moss Joinery Ltd", base_currency="GBP",
                        country_code="GB")
    Currency.create(business=b, xero_id="GBP", description="Pound Sterling")
    return Coding(
        business=business,
        fuel=category("449", "Motor Vehicle Expenses", "EXPENSE", "EXPENSE", "INPUT2"),
        office=category("453", "Office Expenses", "OVERHEADS", "EXPENSE", "INPUT2"),
        sales=category("200", "Sales", "REVENUE", "REVENUE", "OUTPUT2"),
        bank=bank,
        vat20=rate("INPUT2", "20% (VAT on Expenses)", "20", "ASSETS EQUITY EXPENSES LIABILITIES", "INPUT"),
        no_vat=rate("NONE", "No VAT", "0", "ASSETS EQUITY EXPENSES LIABILITIES REVENUE"),
        drc20=rate("DRCHARGESUPPLY20", "Domestic Reverse Charge @ 20% (VAT on Expenses)", "20", "EXPENSES",
                   "DRCHARGESUPPLY"),
        vat_income=rate("OUTPUT2", "20% (VAT on Income)", "20", "ASSETS EQUITY LIABILITIES REVENUE", "OUTPUT"),
        north=TrackingOption.create(business=b, xero_id=f"north-{b}", category=region, name="North"),
        south=TrackingOption.create(business=b, xero_id=f"south-{b}", category=region, name="South"),
        project_a=TrackingOption.create(business=b, xero_id=f"pa-{b}", category=project, name="Project A"),
        card=PaymentMethod.create(business=b, name="Company card", bank_account=bank),
    )


def store_file(app, document: Document) -> None:
    """Put a small PDF where `document` says its file is (make_item's documents have none), for pages that show it."""
    with app.app_context():
        path = storage.root() / document.storage_key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf_bytes(document.filename))


def make_item(business, *, workspace="costs", document=None, **fields) -> Item:
    """One inbox item on its own small document; `fields` set anything else (contact, total, date...). Its status
    is not one of them: it follows from the coding (make_coded_item) or from what a person does to the item."""
    assert "status" not in fields, "an item's status follows from its coding: use make_coded_item"
    b = business.id if hasattr(business, "id") else business
    if document is None:
        sha256 = f"{next(_documents):064x}"
        document = Document.create(business=b, sha256=sha256, filename="bill.pdf", content_type="application/pdf",
                                   size=10, page_count=1, storage_key=f"{sha256[:2]}/{sha256}")
    values = {"business": b, "workspace": workspace, "type": "invoice" if workspace == "sales" else "receipt",
              "status": "inbox", "document": document, "currency": "GBP",
              "publish_to": "purchases" if workspace == "costs" else "sales", "publish_as": "draft"}
    return Item.create(**(values | fields))


def make_coded_item(business, *, workspace="costs", document=None, **fields) -> Item:
    """An item coded with `fields`, then what follows worked out by the call every inline edit makes
    (editing.after_change: the supplier's rule, net and tax from a rate, the duplicate check, Ready or not)."""
    item = make_item(business, workspace=workspace, document=document, **fields)
    editing.after_change(item, list(fields), user_id=None)
    return Item.get_by_id(item.id)


RECEIPT = ["CORNER CAFE LTD", "12 High Street, Leeds", "Date: 05/11/2024", "Flat white      3.80",
           "Croissant       2.90", "Orange juice    5.64", "TOTAL          12.34", "Thank you for visiting"]


def receipt_image(width=640, size=30, lines=RECEIPT) -> Image.Image:
    """A receipt as a phone photo or a scan shows it: black text on white, in Pillow's scalable default font."""
    font = ImageFont.load_default(size=size)
    image = Image.new("L", (width, 120 + len(lines) * size * 2), "white")
    draw = ImageDraw.Draw(image)
    for number, text in enumerate(lines):
        draw.text((40, 60 + number * size * 2), text, fill="black", font=font)
    return image


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()
