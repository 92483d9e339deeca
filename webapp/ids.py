"""Ids and page numbers read from a request: ASCII digits only, within the range of a database id.

`str.isdigit()` and werkzeug's `int` converter accept digits `int()` refuses (²) or reads as another script's number
(٣), and `int()` gives numbers past 64 bits that the database refuses; every id a request carries is read here."""
import re

from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


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
