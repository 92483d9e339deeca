"""Dates printed on a document: a cheap pattern finds what looks like a date, dateparser reads it the way the
business's country writes dates (03/04/2025 is 3 April in the UK, March 4 in the US)."""
import re
from datetime import date, timedelta
from functools import lru_cache

from dateparser.date import DateDataParser
from dateparser.languages.loader import default_loader

from webapp.reading.countries import day_first, languages
from webapp.reading.model import Found
from webapp.reading.rows import Row, field_at

_MONTH_KEYS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december")
# Days and years may run into the words around them when OCR drops spaces ("20188:13:39PM", "Jan12022").
_NUMERIC = (r"(?P<a>\d{1,2})\s?(?P<s>[/.\-])\s?(?P<b>\d{1,2})\s?(?P=s)\s?"
            r"(?P<y>(?:19|20)\d\d|\d\d(?![\d/])|\d\d(?=\d{1,2}[:.]\d\d))")
_ISO = r"(?<!\d)(?P<iy>(?:19|20)\d\d)-(?P<im>\d\d)-(?P<id>\d\d)(?!\d)"
# OCR may lose the first separator of a short date, or read it as a space ("0502-18", "05 02-18"); a dot is left
# out, as "2.30 11.20" is two amounts.
_SEPARATOR_LOST = r"(?<![\d:.,])(?P<la>\d\d) ?(?P<lb>\d\d)(?P<ls>[/\-])(?P<ly>(?:19|20)\d\d(?!\d)|\d\d(?![\d/:]))"
# A date printed as one run of digits, day first or month first by the country, at the start of a line or after a
# date label ("27032018  No.CS-20242"); read only when the document shows no other date.
_COMPACT = re.compile(r"(?:^|dat(?:e|um)\W*)(?P<a>\d\d)(?P<b>\d\d)(?P<y>(?:19|20)\d\d)(?!\d)", re.IGNORECASE)

_I = re.IGNORECASE
# What labels a date, and what labels a date that isn't the document's.
DATE_LABEL = re.compile(r"dat(?:e|um)|tarikh|issued", _I)
NOT_THE_DATE = re.compile(r"due|order\s*dat|deliver|ship|check|period|expir|birth|from|until|valid|zahlungsziel|"
                          r"échéance|print|lieferdatum|leistungs", _I)
DUE_LABEL = re.compile(r"due|pay\s*by|payable\s*by|zahlungsziel|fällig|échéance|date\s*limite|vencimiento", _I)
TERMS = re.compile(r"\bnet\s*(\d{1,3})\b|(\d{1,3})\s*(?:days|tage|jours)\s*(?:net|netto)?", _I)


@lru_cache(maxsize=32)
def _patterns(country: str) -> re.Pattern:
    month = "|".join(sorted(_month_names(country), key=len, reverse=True))
    worded = (rf"(?<!\d)(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\.?[\s\-]*(?P<m1>{month})\.?[\s\-,]*"
              rf"(?P<y1>(?:19|20)\d\d|\d\d(?!\d))"
              rf"|(?<![^\W\d_])(?P<m2>{month})\.?[\s\-]*(?P<d2>\d{{1,2}}?)(?:st|nd|rd|th)?\s*,?\s*"
              rf"(?P<y2>(?:19|20)\d\d)")
    return re.compile(f"{_ISO}|{_NUMERIC}|{_SEPARATOR_LOST}|{worded}", re.IGNORECASE)


def _month_names(country: str) -> set[str]:
    names = set()
    for language in languages(country):
        info = default_loader.get_locale(language).info
        for key in _MONTH_KEYS:
            names.update(re.escape(name) for name in info.get(key, ()) if len(name) >= 3)
    return names


@lru_cache(maxsize=32)
def _parser(country: str) -> DateDataParser:
    order = "DMY" if day_first(country) else "MDY"
    return DateDataParser(languages=languages(country), settings={
        "DATE_ORDER": order, "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month", "year"],
        "PARSERS": ["absolute-time"], "STRICT_PARSING": True})


def dates_in(text: str, country: str) -> list[tuple[int, date, bool]]:
    """Every date in `text`: (where it starts, the date, whether day and month could have been read the other way)."""
    found, position, pattern = [], 0, _patterns(country)
    while match := pattern.search(text, position):
        value, ambiguous = _read(match, country)
        if value is not None and 1990 <= value.year <= 2100:
            found.append((match.start(), value, ambiguous))
            position = match.end()
        else:
            position = match.start() + 1  # "100021911/03/2018": not 91/03, but maybe 11/03 further on
    return found


def _read(match: re.Match, country: str) -> tuple[date | None, bool]:
    parts = match.groupdict()
    if parts["iy"]:
        candidate, ambiguous = f"{parts['iy']}-{parts['im']}-{parts['id']}", False
    elif parts["a"] or parts["la"]:
        first, second, year = (parts["a"], parts["b"], parts["y"]) if parts["a"] else \
            (parts["la"], parts["lb"], parts["ly"])
        candidate = f"{first}/{second}/{year}"
        ambiguous = first != second and int(first) <= 12 and int(second) <= 12
    else:
        day, month, year = (parts["d1"], parts["m1"], parts["y1"]) if parts["d1"] else \
            (parts["d2"], parts["m2"], parts["y2"])
        candidate, ambiguous = f"{day} {month} {year}", False
    parsed = _parser(country).get_date_data(candidate).date_obj
    return (parsed.date() if parsed else None), ambiguous


def document_date(rows: list[Row], country: str) -> Found | None:
    """The first date after a date label; else the first date on its own (not glued to a code such as "HC03-7-15")."""
    unlabelled = []
    for row in rows:
        found = dates_in(row.text, country)
        if not found or NOT_THE_DATE.search(row.text[:found[0][0]]):
            continue
        start, value, ambiguous = found[0]
        sureness = 0.85 if ambiguous else 1.0
        if DATE_LABEL.search(row.text[:start]):
            return field_at(value, 0.92 * sureness, row)
        glued = start > 0 and row.text[start - 1].isalnum()
        unlabelled.append((glued, row.index, field_at(value, (0.4 if glued else 0.65) * sureness, row)))
    if unlabelled:
        return min(unlabelled, key=lambda c: c[:2])[2]
    return _compact_date(rows, country)


def _compact_date(rows: list[Row], country: str) -> Found | None:
    """The first date printed as one run of digits (DDMMYYYY, MMDDYYYY in a month-first country)."""
    for row in rows:
        match = _COMPACT.search(row.text.strip())
        if not match:
            continue
        day, month = (match["a"], match["b"]) if day_first(country) else (match["b"], match["a"])
        try:
            value = date(int(match["y"]), int(month), int(day))
        except ValueError:
            continue
        return field_at(value, 0.5, row)
    return None


def due_date(rows: list[Row], country: str, issued: Found | None) -> Found | None:
    for row in rows:
        label = DUE_LABEL.search(row.text)
        if not label:
            continue
        found = [d for d in dates_in(row.text, country) if d[0] >= label.start()]
        if found:
            return field_at(found[0][1], 0.9 * (0.85 if found[0][2] else 1.0), row)
    if issued is None:
        return None
    for row in rows:
        terms = TERMS.search(row.text)
        if terms and re.search(r"net|terms|netto|zahlungs|payment|conditions", row.text, _I):
            days = int(terms.group(1) or terms.group(2))
            return field_at(issued.value + timedelta(days=days), 0.6 * issued.confidence, row)
    return None
