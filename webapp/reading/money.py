"""Amounts of money printed on a line, and which currency a document is in.

A cheap pattern finds what looks like an amount; price-parser reads it, whichever of comma and dot separates the
thousands (1,234.56 and 1.234,56 are the same amount)."""
import re
from dataclasses import dataclass
from decimal import Decimal

from price_parser import Price

from webapp.reading.countries import DOLLAR

CENT = Decimal("0.01")
# An optional sign and currency mark, then digits with thousands separators and up to two decimals. OCR may drop
# the space between a label and its amount ("TOTAL:RM9.00", "GrandTotalRs1939").
_AMOUNT = re.compile(
    r"(?P<sign>-\s?|\()?(?P<mark>(?:USD|EUR|GBP|AUD|NZD|CAD|MYR|SGD|INR)(?=[\s\d])|RM|Rs\.?|[$£€₹¥])?\s?"
    r"(?P<number>(?<![\d.,])\d{1,3}(?:(?P<sep>[,.' ])\d{3})(?:(?P=sep)\d{3}){0,3}(?:[.,]\d{1,2})?(?![\d])"
    r"|(?<![\d.,])\d{1,9}(?:[.,]\d{1,2}|\.\s\d\d(?!\d))?(?![\d]|[.,]\d))"
    r"(?!\s?%)\s?(?P<after>€|EUR\b|-(?!\d)|\))?")
ISO_CODES = ("USD", "EUR", "GBP", "AUD", "NZD", "CAD", "MYR", "SGD", "INR", "HKD", "JPY", "CNY", "CHF", "ZAR", "SEK",
             "NOK", "DKK", "PLN", "IDR", "THB", "PHP", "AED", "FJD")
SYMBOLS = {"£": "GBP", "€": "EUR", "RM": "MYR", "Rs": "INR", "Rs.": "INR", "₹": "INR", "¥": "JPY"}
_ISO = re.compile(r"(?<![A-Za-z])(" + "|".join(ISO_CODES) + r")(?![A-Za-z])")
_SYMBOL = re.compile(r"£|€|₹|\$|(?<![A-Za-z])(?:RM|Rs\.?)(?=\s?\d)")


@dataclass(frozen=True)
class Amount:
    value: Decimal
    start: int
    end: int
    marked: bool  # printed with a currency mark or with decimals: money rather than a count


def amounts_in(text: str) -> list[Amount]:
    found = []
    for match in _AMOUNT.finditer(text):
        number = match.group("number").replace(". ", ".")  # OCR's "65. 20"
        marked = bool(number[-3:-2] in {",", "."} or match.group("mark") or match.group("after") in {"€", "EUR"})
        separator = "," if re.search(r",\d{1,2}$", number) else "."
        price = Price.fromstring(number, decimal_separator=separator)
        if price.amount is None:
            continue
        value = price.amount.quantize(CENT)
        if (match.group("sign") or "").startswith("-") or match.group("after") == "-" or \
                (match.group("sign") == "(" and match.group("after") == ")"):
            value = -value
        found.append(Amount(value, match.start(), match.end(), marked))
    return found


def currency_in(texts: list[str], country: str) -> tuple[str | None, float]:
    """The document's currency from ISO codes and symbols, read with the business's country ($ in Australia is the
    Australian dollar), and how sure that is; None when the document doesn't say."""
    codes: dict[str, int] = {}
    for text in texts:
        for match in _ISO.finditer(text):
            codes[match.group(1)] = codes.get(match.group(1), 0) + 1
        for match in _SYMBOL.finditer(text):
            symbol = match.group(0)
            code = DOLLAR.get(country.upper(), "USD") if symbol == "$" else SYMBOLS[symbol]
            codes[code] = codes.get(code, 0) + 1
    if not codes:
        return None, 0.0
    code = max(codes, key=codes.get)
    return code, 0.9 if len(codes) == 1 else 0.7
