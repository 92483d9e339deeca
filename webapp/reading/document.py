"""Reading one document: an e-invoice's XML exactly where it carries one, else its text (a PDF's text layer, OCR
for photos and scanned pages) and the fields found in it."""
from dataclasses import replace

from webapp.reading import einvoice, message
from webapp.reading.fields import read_fields
from webapp.reading.model import Reading, Unreadable
from webapp.reading.text import document_text

PDF = "application/pdf"
EMAIL = "message/rfc822"


def read_document(data: bytes, content_type: str, *, country: str, own_names: tuple[str, ...] = (),
                  base_currency: str = "") -> Reading:
    """Every field the document gives; Unreadable(reason) when it gives nothing that can be read."""
    notes = ()
    if content_type == EMAIL:  # an e-receipt: the message's own text (an XML inside it is no e-invoice file)
        text = message.document_text(data)
        return read_fields(text, country=country, own_names=own_names, base_currency=base_currency)
    xml = einvoice.find_einvoice(data)
    if xml is not None:
        try:
            return einvoice.read_einvoice(xml)
        except Unreadable as problem:
            if content_type != PDF:
                raise
            notes = (f"The e-invoice inside the PDF couldn't be used ({problem.reason}), so the PDF was read instead.",)
    text = document_text(data, content_type)
    reading = read_fields(text, country=country, own_names=own_names, base_currency=base_currency)
    return replace(reading, notes=notes + reading.notes)
