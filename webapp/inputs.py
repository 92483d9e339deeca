"""What a request carries, read the same way by every view: ids, and text the database can store.

`str.isdigit()` and werkzeug's own `int` converter accept digits `int()` refuses (²) or reads as another script's
number (٣), `int()` gives numbers past 64 bits that the database refuses, and PostgreSQL can't store NUL in text."""
import re

from flask import request
from werkzeug.routing import IntegerConverter

from webapp.errors import AppError

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL_MESSAGE = ("What was sent contains a NUL character, which can't be saved. Remove it (it often comes with text "
               "pasted from another program) and try again; nothing was changed.")


def parse_id(value) -> int | None:
    """The id `value` names (surrounding spaces ignored), or None when it names none: blank, signed, not ASCII
    digits, 0 or past 2**63-1."""
    text = value.strip() if isinstance(value, str) else ""
    number = int(text) if _DIGITS.fullmatch(text) else 0
    return number if 1 <= number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: an id in range, else the rule doesn't match (404)."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int = 1, max: int = MAX_ID, signed: bool = False):
        super().__init__(map, fixed_digits, min, max, signed)


def init_app(app) -> None:
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def _refuse_nul():
        sent = [request.path, *_texts(request.args)]
        if request.mimetype in FORMS:  # a form's body only: reading another here would fix its size limit too early
            sent += [*_texts(request.form), *(upload.filename or "" for _, upload in request.files.items(multi=True))]
        if any("\x00" in text for text in sent):
            raise AppError(NUL_MESSAGE)


def _texts(fields) -> list[str]:
    """Every key and value of a MultiDict, repeated keys included."""
    return [text for pair in fields.items(multi=True) for text in pair]
