"""Writing a list from Xero into its table: upsert by Xero id, never delete, count what changed."""
from dataclasses import dataclass, field

from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.lists.models import ACTIVE

BATCH = 500


@dataclass
class Changes:
    added: int = 0
    updated: int = 0
    archived: int = 0

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.archived)

    def as_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "archived": self.archived}


@dataclass
class _Plan:
    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    archived: int = 0


def upsert(model, business_id: int, rows: list[dict], *, complete: bool, scope=None) -> Changes:
    """Save `rows` (field dicts with `xero_id`); when `complete`, entries Xero no longer returns are marked
    removed. `scope` narrows which existing entries `complete` may mark (e.g. one tracking category)."""
    existing = _existing(model, business_id, rows, complete, scope)
    plan = _plan(existing, rows, business_id)
    now = utcnow()
    with database.atomic():
        for start in range(0, len(plan.new), BATCH):
            # Another job (a webhook's contact refresh, say) may have just added the same entry from Xero.
            model.insert_many(plan.new[start:start + BATCH]).on_conflict_ignore().execute()
        for entry, changes in plan.changed:
            model.update(synced_at=now, **changes).where(model.id == entry.id).execute()
        removed = 0
        if complete:
            seen = {row["xero_id"] for row in rows}
            gone = [e.id for xero_id, e in existing.items() if xero_id not in seen and e.removed_at is None]
            for start in range(0, len(gone), BATCH):
                removed += model.update(removed_at=now).where(model.id.in_(gone[start:start + BATCH])).execute()
    return Changes(added=len(plan.new), updated=len(plan.changed) - plan.archived, archived=plan.archived + removed)


def _existing(model, business_id: int, rows: list[dict], complete: bool, scope) -> dict:
    """Entries to compare against: all of them for a complete list, else only those being sent."""
    query = model.select().where(model.business == business_id)
    if scope is not None:
        query = query.where(scope)
    if complete:
        return {entry.xero_id: entry for entry in query}
    ids = [row["xero_id"] for row in rows]
    found = {}
    for start in range(0, len(ids), BATCH):
        found.update({entry.xero_id: entry for entry in query.where(model.xero_id.in_(ids[start:start + BATCH]))})
    return found


def _plan(existing: dict, rows: list[dict], business_id: int) -> _Plan:
    plan, now = _Plan(), utcnow()
    for row in rows:
        entry = existing.get(row["xero_id"])
        if entry is None:
            plan.new.append({**row, "business": business_id, "synced_at": now})
            continue
        changes = {name: value for name, value in row.items() if entry.__data__.get(name) != value}
        if entry.removed_at is not None:
            changes["removed_at"] = None
        if not changes:
            continue
        if changes.get("status", ACTIVE) != ACTIVE and entry.status == ACTIVE:
            plan.archived += 1
        plan.changed.append((entry, changes))
    return plan
