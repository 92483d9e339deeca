"""Reading an item's document in the background (the `extract` queue): starting it on upload or Read again, its
outcome, and starting it again when the worker reading it died, so no item stays "Reading…" for ever.

While it runs the item is `processing` (shown as Reading…) and can't be edited; either way it ends back in the
Inbox (or Ready), editable, with the document kept."""
import logging
from datetime import timedelta

from redis.exceptions import RedisError

from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.items import changes, editing, extracted, storage
from webapp.items.models import Item, ItemReading
from webapp.lists.models import Organisation
from webapp.publishing import auto
from webapp.queues import enqueue_reading, job_not_running
from webapp.reading import Unreadable, read_document

log = logging.getLogger(__name__)
READING = extracted.READING
MAX_ATTEMPTS = 3  # starts of one reading, the first included, before it is given up as interrupted
STALLED_AFTER = timedelta(minutes=2)  # a reading saved this recently may just be waiting for its job to start
INTERRUPTED = ("it was interrupted before it could finish (the worker reading it stopped). Enter the details by "
               "hand, or use Read again")
STOPPED = "something went wrong while reading it. Enter the details by hand, or use Read again"


def created(item: Item, *, requested_by: int | None) -> None:
    """The reading of a newly uploaded item (created `processing`), saved with it; queue() starts it."""
    ItemReading.create(item=item.id, requested_by=requested_by)


def read_again(item: Item, *, user_id: int) -> bool:
    """Read the document again: only fields nobody has edited by hand change. False if the item can't be changed."""
    if item.status not in editing.EDITABLE_STATUSES:
        return False
    with database.atomic():
        changes.change(item, {"status": "processing"}, user_id=user_id, source=READING)
        changes.note(item, "reading", "Read again", user_id=user_id, source=changes.EDIT)
        (ItemReading.insert(item=item.id, requested_by=user_id, again=True, state="reading", attempts=0,
                            message="", started_at=utcnow())
         .on_conflict(conflict_target=[ItemReading.item],
                      update={ItemReading.requested_by: user_id, ItemReading.again: True, ItemReading.state: "reading",
                              ItemReading.attempts: 0, ItemReading.message: "", ItemReading.started_at: utcnow(),
                              ItemReading.finished_at: None, ItemReading.job_id: ""})
         .execute())
    queue(item.id)
    return True


def queue(item_id: int) -> None:
    """Put the reading on the `extract` queue (after its rows are committed: the job must find them). With Redis out
    of reach the item stays Reading… and the workers' recovery pass queues it once Redis is back."""
    reading = ItemReading.get(ItemReading.item == item_id)
    try:
        job = enqueue_reading(item_id, attempt=reading.attempts + 1)
    except RedisError as error:
        log.warning("reading of item %s not queued yet: %s", item_id, error)
        return
    ItemReading.update(job_id=job.id, attempts=ItemReading.attempts + 1, started_at=utcnow()).where(
        ItemReading.id == reading.id).execute()


def run(item_id: int) -> None:
    """Read the item's document and apply what was read; an unreadable document ends the reading with its reason.

    A second run (a retry after the first had finished) finds the item no longer processing and does nothing."""
    item = Item.get_or_none(Item.id == item_id)
    reading = ItemReading.get_or_none(ItemReading.item == item_id)
    if item is None or reading is None or item.status != "processing":
        return
    document, business = item.document, item.business
    data = storage.read(document.storage_key)  # OSError: the store is out of reach; the job is retried
    try:
        result = read_document(data, document.content_type, country=business.country,
                               own_names=own_names(business), base_currency=business.base_currency)
    except Unreadable as problem:
        fail(item_id, problem.reason)
        return
    extracted.apply(item, result)
    ItemReading.update(state="read", source=result.source, message=" ".join(result.notes),
                       **extracted.printed_party(item, result), finished_at=utcnow()).where(
        ItemReading.id == reading.id).execute()
    if not reading.again:
        auto.publish_on_arrival(Item.get_by_id(item_id))


def fail(item_id: int, reason: str) -> None:
    """The reading ended without fields: the item goes back to the Inbox, editable, and says why."""
    with database.atomic():
        item = Item.get_or_none(Item.id == item_id)
        if item is None or item.status != "processing":
            return
        ItemReading.update(state="failed", message=reason, finished_at=utcnow()).where(
            ItemReading.item == item_id).execute()
        changeset = changes.Changeset(item, user_id=None)
        changeset.set_unrecorded("status", "inbox")
        changeset.note("document", f"Docket couldn't read this document: {reason}", source=READING)
        editing.after_change(item, ["status"], user_id=None, changeset=changeset)


def recover_stalled() -> int:
    """Readings whose job is gone, or ended without reading (a worker killed mid-read, Redis restarted or out of
    reach when they were queued, or a retry of a killed job that found its lock still held and left the item to
    it): queued again, or ended as interrupted after MAX_ATTEMPTS starts."""
    stalled = [reading for reading in ItemReading.select().join(Item).where(
        (ItemReading.state == "reading") & (Item.status == "processing")
        & (ItemReading.started_at < utcnow() - STALLED_AFTER)) if job_not_running(reading.job_id)]
    for reading in stalled:
        if reading.attempts >= MAX_ATTEMPTS:
            log.warning("reading of item %s given up after %s starts", reading.item_id, reading.attempts)
            fail(reading.item_id, INTERRUPTED)
        else:
            log.info("reading of item %s started again after its job stopped", reading.item_id)
            queue(reading.item_id)
    return len(stalled)


def own_names(business) -> tuple[str, ...]:
    """The business's own names (in Docket and in Xero), so that its own name on a document isn't the supplier."""
    names = [business.name] + [org.name for org in Organisation.select(Organisation.name)
                               .where(Organisation.business == business.id)]
    return tuple(dict.fromkeys(name for name in names if name))
