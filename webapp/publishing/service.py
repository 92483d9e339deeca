"""Asking for items to be published: who may, what must be true first, and the attempts and jobs that do it."""
import logging
import uuid
from dataclasses import dataclass
from datetime import date

from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError

from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.integrations.models import CONNECTED, Connection
from webapp.items import changes, editing
from webapp.items.choices import PUBLISH_AS, PUBLISH_TO
from webapp.items.models import Item
from webapp.items.review import Review
from webapp.jobruns import service as runs
from webapp.publishing.models import (CURRENCY_MODES, LINE_AMOUNTS, OPEN_STATES, RUN_KIND, TAX_POLICIES,
                                      PublishAttempt, PublishingSettings)
from webapp.queues import enqueue_attempts

log = logging.getLogger(__name__)
PUBLISHABLE = ("ready", "failed")
ALREADY_PUBLISHING = "This item is already publishing or published."
QUEUE_UNREACHABLE = ("Docket's job queue can't be reached at the moment. This publish is saved and starts by itself "
                     "as soon as the queue is back; there is nothing to do.")


class PublishRefused(Exception):
    """The item can't be sent now; the message says what to do first."""


@dataclass(frozen=True)
class BulkOutcome:
    queued: int
    refused: int  # items not sent: not ready, checks to fix, already publishing
    waiting_for_queue: bool = False  # saved, but the job queue was out of reach: a worker's sweep sends them

    @property
    def message(self) -> str:
        text = f"Publishing {self.queued} item{'s' if self.queued != 1 else ''}." if self.queued else ""
        if self.waiting_for_queue:
            text += " " + QUEUE_UNREACHABLE
        if self.refused:
            text += f" Not sent ({self.refused}): they have checks to fix or are not ready."
        return text.strip()


def refusal(item: Item) -> str:
    """Why this item can't be published now ("" when it can): its status, its checks (Docket's lock date is one of
    them), the connection."""
    if item.status not in PUBLISHABLE:
        if item.status in ("publishing", "published"):
            return ALREADY_PUBLISHING
        return "Fix what the checks list first: the item is not ready."
    problems = Review(item).checks()
    if problems:
        return problems[0].message
    connection = Connection.for_business(item.business_id)
    if connection is None or connection.status != CONNECTED:
        return "Connect this business to Xero first (Integrations), or Reconnect if the connection needs it."
    return ""


def request_publish(item: Item, *, user_id: int | None) -> PublishAttempt:
    """Queue one item: an attempt with its own Idempotency-Key, the item marked Publishing, a job per attempt."""
    reason = refusal(item)
    if reason:
        raise PublishRefused(reason)
    with database.atomic():
        if not _claim(item):
            raise PublishRefused(ALREADY_PUBLISHING)
        attempt = _new_attempt(item, user_id)
    _hand_to_queue([attempt.id])
    return attempt


def request_bulk(items: list[Item], *, user_id: int, business_id: int) -> BulkOutcome:
    """Queue every item that may go now as one publishing run (banner "Publishing 3 of 40"); say what was left."""
    with database.atomic():
        chosen = [item for item in items if not refusal(item) and _claim(item)]
        if not chosen:
            return BulkOutcome(0, len(items))
        run = runs.start_run(RUN_KIND, business_id=business_id, requested_by=user_id)
        runs.mark_running(run.id, total=len(chosen))
        attempts = [_new_attempt(item, user_id, run_id=run.id) for item in chosen]
    queued = _hand_to_queue([attempt.id for attempt in attempts])
    return BulkOutcome(len(attempts), len(items) - len(chosen), waiting_for_queue=not queued)


def open_attempt(item_id: int) -> PublishAttempt | None:
    return (PublishAttempt.select().where((PublishAttempt.item == item_id) & PublishAttempt.state.in_(OPEN_STATES))
            .order_by(PublishAttempt.id.desc()).first())


def reopen(item: Item, *, user_id: int) -> bool:
    """"Change and publish again": a published item goes back to the inbox keeping its Xero link, so the next
    publish updates the same Xero document (Xero allows that while it is still a draft)."""
    if item.status != "published":
        return False
    changes.change(item, {"status": "inbox"}, user_id=user_id)
    return True


def clear_publishing_data(item: Item, *, user_id: int) -> bool:
    """"Unarchive and clear publishing data": forget the Xero link so the item can be published as a new
    document (the old one stays in Xero: void or delete it there if it shouldn't)."""
    if item.status not in ("published", "archived"):
        return False
    with database.atomic():
        changes.change(item, {"status": "inbox", "xero_object": "", "xero_id": "", "xero_url": "",
                              "published_at": None, "publish_message": ""}, user_id=user_id)
        editing.after_change(item, ["status"], user_id=user_id)  # Ready again when its checks are clear, as restore
    return True


def _hand_to_queue(attempt_ids: list[int]) -> bool:
    """Queue the saved attempts' jobs; False when Redis is out of reach. The attempts stay saved as queued without a
    job, each saying so, and the publishing sweep every worker runs sends them once Redis answers again."""
    try:
        enqueue_attempts(attempt_ids)
        return True
    except (RedisConnectionError, RedisTimeoutError) as error:
        log.warning("job queue unreachable, %d publish attempts wait for the sweep: %s", len(attempt_ids), error)
        PublishAttempt.update(message=QUEUE_UNREACHABLE).where(
            PublishAttempt.id.in_(attempt_ids) & (PublishAttempt.job_id == "")).execute()
        return False


def _claim(item: Item) -> bool:
    """Mark the item Publishing only if it still has the status this request read: of two presses of Publish on
    pages loaded before either (or a bulk run and a press), one goes and the other is refused; never two attempts."""
    return Item.update(status="publishing").where((Item.id == item.id) & (Item.status == item.status)).execute() == 1


def _new_attempt(item: Item, user_id: int | None, run_id: int | None = None) -> PublishAttempt:
    attempt = PublishAttempt.create(item=item.id, business=item.business_id, run=run_id, requested_by=user_id,
                                    idempotency_key=str(uuid.uuid4()))
    changes.change(item, {"status": "publishing"}, user_id=user_id)
    return attempt


def save_settings(business_id: int, form, *, user_id: int) -> dict[str, str]:
    """Save the Publishing settings from the Settings form; returns field → message (nothing saved) on bad input."""
    choices = {"tax_policy": TAX_POLICIES, "line_amounts": LINE_AMOUNTS, "currency_mode": CURRENCY_MODES,
               "costs_publish_to": PUBLISH_TO["costs"], "sales_publish_to": PUBLISH_TO["sales"],
               "costs_publish_as": PUBLISH_AS, "sales_publish_as": PUBLISH_AS}
    errors, values = {}, {}
    for name, allowed in choices.items():
        value = form.get(name)
        if value not in allowed:
            errors[name] = "Choose one of the options."
        values[name] = value
    values["send_rate"] = form.get("send_rate") == "yes"
    lock = form.get("docket_lock_date", "").strip()
    try:
        values["docket_lock_date"] = date.fromisoformat(lock) if lock else None
    except ValueError:
        errors["docket_lock_date"] = "Enter a date like 2026-03-31, or leave it empty for no lock date."
    if errors:
        return errors
    settings = PublishingSettings.of(business_id)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.updated_by, settings.updated_at = user_id, utcnow()
    settings.save()
    return {}
