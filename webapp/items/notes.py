"""Notes on an item: free text from the team, kept with who wrote it and when."""
from webapp.items.models import ItemNote

MAX_NOTE = 4000


def add(item, text: str, *, user_id: int) -> str:
    """Save the note; returns the message to show instead when there is nothing to save or it is too long."""
    text = (text or "").strip()
    if not text:
        return "Write the note first."
    if len(text) > MAX_NOTE:
        return f"Keep a note under {MAX_NOTE} characters (this one has {len(text)})."
    ItemNote.create(item=item.id, user=user_id, text=text)
    return ""
