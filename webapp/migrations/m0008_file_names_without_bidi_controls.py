"""File names saved before uploads removed bidirectional controls (U+202E shows "invoice\u202egpj.exe.pdf" as
"invoicefdp.exe.jpg"): clean the documents' names and the history entries that record them."""
import re
from functools import reduce
from operator import or_

import peewee

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def up(db, migrator):
    class Document(peewee.Model):
        filename = peewee.CharField(max_length=255)

        class Meta:
            database = db
            table_name = "document"

    class ItemHistory(peewee.Model):
        field = peewee.CharField(max_length=40)
        new = peewee.TextField()

        class Meta:
            database = db
            table_name = "item_history"

    strip = re.compile(f"[{BIDI_CONTROLS}]")
    for model, column, where in ((Document, Document.filename, True),
                                 (ItemHistory, ItemHistory.new, ItemHistory.field == "document")):
        holding = reduce(or_, (column.contains(c) for c in BIDI_CONTROLS))
        for row in model.select(model.id, column).where(where & holding):
            cleaned = " ".join(strip.sub("", getattr(row, column.name)).split()) or "Unnamed file"
            model.update({column: cleaned}).where(model.id == row.id).execute()
