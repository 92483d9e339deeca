"""Reading documents: text layers, OCR and e-invoice XML in; fields with confidence and boxes out (no Flask)."""
from webapp.reading.document import read_document
from webapp.reading.model import Unreadable

__all__ = ["read_document", "Unreadable"]
