"""Publishing settings per business and the record of every attempt to publish an item to Xero."""
import peewee

from webapp.accounts.models import Business, User, utcnow
from webapp.db import BaseModel
from webapp.items.models import Item
from webapp.jobruns.models import JobRun

TAX_POLICIES = {"docket": "Docket decides", "xero": "Xero calculates",
                "docket_with_exceptions": "Docket decides with exceptions"}
LINE_AMOUNTS = {"exclusive": "Tax exclusive", "inclusive": "Tax inclusive", "no_tax": "No tax"}
CURRENCY_MODES = {"document": "Publish in the document's currency", "base": "Convert to the base currency"}

# An attempt's states, in order. "sending": the create call may or may not have reached Xero (look it up
# before sending again); "created": Xero has the document, the attachment and payment may still be due.
QUEUED, SENDING, CREATED, DONE, FAILED = "queued", "sending", "created", "done", "failed"
OPEN_STATES = (QUEUED, SENDING, CREATED)
RUN_KIND = "publish"  # the JobRun kind of a bulk publish


class PublishingSettings(BaseModel):
    business = peewee.ForeignKeyField(Business, unique=True, on_delete="CASCADE")
    tax_policy = peewee.CharField(max_length=30, default="docket")
    line_amounts = peewee.CharField(max_length=20, default="exclusive")
    currency_mode = peewee.CharField(max_length=20, default="document")
    send_rate = peewee.BooleanField(default=False)  # send Docket's exchange rate instead of letting Xero set it
    docket_lock_date = peewee.DateField(null=True)
    costs_publish_to = peewee.CharField(max_length=20, default="purchases")
    costs_publish_as = peewee.CharField(max_length=30, default="draft")
    sales_publish_to = peewee.CharField(max_length=20, default="sales")
    sales_publish_as = peewee.CharField(max_length=30, default="draft")
    updated_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "publishing_settings"

    @classmethod
    def of(cls, business_id: int) -> "PublishingSettings":
        """The business's settings, or the defaults (unsaved) when an admin never changed them."""
        return cls.get_or_none(cls.business == business_id) or cls(business=business_id)


class PublishAttempt(BaseModel):
    """One try at putting one item into Xero. Retries of the same attempt reuse its Idempotency-Key."""

    item = peewee.ForeignKeyField(Item, backref="attempts", on_delete="CASCADE")
    business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
    run = peewee.ForeignKeyField(JobRun, null=True, on_delete="SET NULL")
    state = peewee.CharField(max_length=20, default=QUEUED)
    idempotency_key = peewee.CharField(max_length=64, unique=True)
    job_id = peewee.CharField(max_length=100, default="")  # the RQ job that carries it now (one or a batch)
    xero_object = peewee.CharField(max_length=30, default="")  # Invoice | BankTransaction | CreditNote
    xero_id = peewee.CharField(max_length=64, default="")
    xero_number = peewee.CharField(max_length=255, default="")
    payment_id = peewee.CharField(max_length=64, default="")
    attached = peewee.BooleanField(default=False)
    message = peewee.TextField(default="")  # what the person sees when it failed
    detail = peewee.TextField(default="")  # what Xero said, for the History tab
    request_body = peewee.TextField(default="")
    requested_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "publish_attempt"
        indexes = ((("item", "created_at"), False), (("business", "state"), False))
