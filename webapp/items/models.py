"""Items (receipts, bills, sales invoices), the document files they come from, and their change history."""
import peewee

from webapp.accounts.models import Business, User, utcnow
from webapp.db import BaseModel, MoneyField
from webapp.lists.models import Category, Contact, PaymentMethod, TaxRate, TrackingOption

WORKSPACES = {"costs": "Costs", "sales": "Sales"}
TYPES = {"receipt": "Receipt", "invoice": "Invoice", "credit_note": "Credit note"}
STATUSES = {"processing": "Processing", "inbox": "Inbox", "ready": "Ready", "publishing": "Publishing",
            "published": "Published", "failed": "Failed", "archived": "Archived"}
DEFAULT_TYPE = {"costs": "receipt", "sales": "invoice"}


class Document(BaseModel):
    """One uploaded file, stored once per business by content (sha256); the name is display-only."""

    business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
    sha256 = peewee.CharField(max_length=64)
    filename = peewee.CharField(max_length=255)
    content_type = peewee.CharField(max_length=100)
    size = peewee.IntegerField()
    page_count = peewee.IntegerField(null=True)
    storage_key = peewee.CharField(max_length=100)
    uploaded_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "document"
        indexes = ((("business", "sha256"), True),)

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def is_viewable_image(self) -> bool:
        """Images every browser shows in <img> (TIFF and HEIC are offered as a download instead)."""
        return self.content_type in ("image/jpeg", "image/png", "image/gif")

    @property
    def is_email(self) -> bool:
        """A message that came in by email-in without attachments (an e-receipt): Item details shows its body."""
        return self.content_type == "message/rfc822"

    @property
    def is_einvoice_xml(self) -> bool:
        """A UBL or CII e-invoice uploaded as XML: offered as a download, never shown as a page, not sent to Xero
        (Xero's attachments take no XML files)."""
        return self.content_type == "application/xml"


class Item(BaseModel):
    business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
    workspace = peewee.CharField(max_length=10)
    type = peewee.CharField(max_length=20)
    status = peewee.CharField(max_length=20, default="inbox")
    document = peewee.ForeignKeyField(Document, on_delete="CASCADE")
    date = peewee.DateField(null=True)
    due_date = peewee.DateField(null=True)
    contact = peewee.ForeignKeyField(Contact, null=True, on_delete="SET NULL")
    reference = peewee.CharField(max_length=255, default="")
    currency = peewee.CharField(max_length=3, default="")
    net = MoneyField(null=True)
    tax = MoneyField(null=True)
    tax_components = peewee.TextField(default="")  # typed component amounts (tax_components.typed); tax is their sum
    total = MoneyField(null=True)
    category = peewee.ForeignKeyField(Category, null=True, on_delete="SET NULL")
    tax_rate = peewee.ForeignKeyField(TaxRate, null=True, on_delete="SET NULL")
    tracking_option_1 = peewee.ForeignKeyField(TrackingOption, null=True, on_delete="SET NULL", backref="+")
    tracking_option_2 = peewee.ForeignKeyField(TrackingOption, null=True, on_delete="SET NULL", backref="+")
    description = peewee.TextField(default="")
    payment_method = peewee.ForeignKeyField(PaymentMethod, null=True, on_delete="SET NULL")
    paid = peewee.BooleanField(default=False)
    publish_to = peewee.CharField(max_length=20, default="")  # purchases | bank | sales
    publish_as = peewee.CharField(max_length=30, default="")  # draft | awaiting_approval | awaiting_payment | paid
    needs_attention = peewee.BooleanField(default=False)
    attention_reason = peewee.CharField(max_length=255, default="")
    duplicate_of = peewee.ForeignKeyField("self", null=True, on_delete="SET NULL", backref="+")
    not_duplicate = peewee.BooleanField(default=False)  # someone looked and said it isn't a duplicate
    xero_object = peewee.CharField(max_length=30, default="")  # once published: Invoice | BankTransaction | CreditNote
    xero_id = peewee.CharField(max_length=64, default="")
    xero_url = peewee.CharField(max_length=500, default="")
    published_at = peewee.DateTimeField(null=True)
    publish_message = peewee.TextField(default="")  # why the last publish failed and what to do; cleared on success
    to_check = peewee.CharField(max_length=255, default="")  # fields read unsurely, space-separated, until confirmed
    search_text = peewee.TextField(null=True)  # for the inbox search: written by the database's triggers (m0009) only
    created_at = peewee.DateTimeField(default=utcnow)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "item"
        indexes = ((("business", "workspace", "status", "date"), False),
                   (("business", "workspace", "created_at"), False))

    @property
    def to_check_fields(self) -> list[str]:
        return self.to_check.split()

    @property
    def status_label(self) -> str:
        if self.status == "processing":
            return "Reading…"
        return "Needs attention" if self.needs_attention else STATUSES.get(self.status, self.status)

    @property
    def status_class(self) -> str:
        return "attention" if self.needs_attention else self.status

    @classmethod
    def in_workspace(cls, business_id: int, workspace: str):
        return cls.select().where((cls.business == business_id) & (cls.workspace == workspace))


class ItemHistory(BaseModel):
    """One change to one field of an item: who or what made it (upload, edit, rule, reading the document)."""

    item = peewee.ForeignKeyField(Item, backref="history", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    at = peewee.DateTimeField(default=utcnow)
    field = peewee.CharField(max_length=40)
    old = peewee.TextField(default="")
    new = peewee.TextField(default="")
    source = peewee.CharField(max_length=40)

    class Meta:
        table_name = "item_history"


class LineItem(BaseModel):
    """One row of an item's line items; amounts exclude tax (quantity × unit amount, plus the tax amount)."""

    item = peewee.ForeignKeyField(Item, backref="lines", on_delete="CASCADE")
    position = peewee.IntegerField()
    description = peewee.TextField(default="")
    category = peewee.ForeignKeyField(Category, null=True, on_delete="SET NULL")
    tax_rate = peewee.ForeignKeyField(TaxRate, null=True, on_delete="SET NULL")
    tracking_option_1 = peewee.ForeignKeyField(TrackingOption, null=True, on_delete="SET NULL", backref="+")
    tracking_option_2 = peewee.ForeignKeyField(TrackingOption, null=True, on_delete="SET NULL", backref="+")
    quantity = MoneyField(default=1)
    unit_amount = MoneyField(null=True)
    tax_amount = MoneyField(null=True)
    tax_amount_typed = peewee.BooleanField(default=False)  # typed by a person: not recalculated from the rate
    tax_components = peewee.TextField(default="")  # as Item.tax_components

    class Meta:
        table_name = "line_item"
        indexes = ((("item", "position"), False),)


class ItemNote(BaseModel):
    item = peewee.ForeignKeyField(Item, backref="notes", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    at = peewee.DateTimeField(default=utcnow)
    text = peewee.TextField()

    class Meta:
        table_name = "item_note"


class ItemReading(BaseModel):
    """Reading the item's document in the background: the job at it, how many times it was started (a job whose
    worker died is started again), and how it ended: the message says why it couldn't be read."""

    item = peewee.ForeignKeyField(Item, unique=True, backref="+", on_delete="CASCADE")
    state = peewee.CharField(max_length=20, default="reading")  # reading | read | failed
    job_id = peewee.CharField(max_length=100, default="")
    attempts = peewee.IntegerField(default=0)
    again = peewee.BooleanField(default=False)  # Read again (no auto-publish), as opposed to reading on arrival
    message = peewee.TextField(default="")  # why it couldn't be read; once read, what couldn't be used (Reading.notes)
    source = peewee.CharField(max_length=40, default="")  # how it was read: text layer, ocr, e-invoice
    printed_name = peewee.CharField(max_length=255, default="")  # the supplier (customer) as the document prints it
    printed_email = peewee.CharField(max_length=255, default="")  # the supplier's, as printed (a new supplier takes it)
    printed_tax_number = peewee.CharField(max_length=50, default="")  # likewise (Xero's TaxNumber takes 50)
    requested_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    started_at = peewee.DateTimeField(default=utcnow)
    finished_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "item_reading"


class ReadField(BaseModel):
    """How sure the reading was of one item field, and where on the document it read it (in ten-thousandths of the
    page's width and height from its top left corner, so a box fits the page however large it is shown)."""

    item = peewee.ForeignKeyField(Item, backref="+", on_delete="CASCADE")
    field = peewee.CharField(max_length=40)  # the item's field: date, total, reference, contact...
    confidence = peewee.IntegerField()  # percent
    page = peewee.IntegerField(null=True)
    left = peewee.IntegerField(null=True)
    top = peewee.IntegerField(null=True)
    right = peewee.IntegerField(null=True)
    bottom = peewee.IntegerField(null=True)

    class Meta:
        table_name = "read_field"
        indexes = ((("item", "field"), True),)
