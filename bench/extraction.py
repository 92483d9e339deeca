"""Reading documents: how often the fields read from real receipts and invoices are right, how long a document
takes and how much memory reading needs.

    .venv/bin/python -m bench.extraction DATA [--cache DIR] [--only receipts|invoices]

DATA holds `receipts-sroie/` (scanned receipts with their keys) and `invoices-invoice2data/` (PDF invoices with
their expected fields). Both are development sets: the reading was tuned on them, so their figures flatter it.
Every document goes through what the app runs: document_text, then read_fields. --cache keeps each document's Text
in DIR (OCR is the slow part) so the fields can be tuned quickly; a figure worth quoting comes from a run without it.
"""
import argparse
import json
import pickle
import re
import resource
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import dateparser
from price_parser import Price
from rapidfuzz import fuzz

from bench.common import machine, text_table
from webapp.reading.fields import read_fields
from webapp.reading.text import document_text

RECEIPTS_COUNTRY = "GB"  # the receipts' README: read them as a business that writes dates day first
RECEIPTS_CURRENCY = "MYR"
INVOICE_COUNTRIES = {  # where a business receiving each invoice would be, and its currency
    "AmazonWebServices": ("US", "USD"), "FlipkartInvoice": ("IN", "INR"), "NetpresseInvoice": ("FR", "EUR"),
    "QualityHosting": ("DE", "EUR"), "SammyMaystoneLinesTest": ("US", "USD"), "oyo": ("IN", "INR"),
}
SUPPLIER_RATIO = 80  # rapidfuzz ratio of the two names, case, spacing and punctuation ignored
TARGETS = {"receipts total": 95, "receipts date": 95, "receipts supplier": 90}
INVOICES_TARGET = 5  # of 6 invoices with total, date and number right
FIELDS_SECONDS: list[float] = []  # read_fields alone, per document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--cache", type=Path, help="keep each document's text here (for tuning only)")
    parser.add_argument("--only", choices=("receipts", "invoices"))
    args = parser.parse_args(argv)
    print(f"# Reading documents (development sets) — {machine()}", flush=True)
    print("cache: " + (f"{args.cache} (figures not for quoting)" if args.cache else "none (full run)"))
    seconds: list[float] = []
    missed = False
    if args.only in (None, "receipts"):
        missed |= _receipts(args.data / "receipts-sroie", args.cache, seconds)
    if args.only in (None, "invoices"):
        missed |= _invoices(args.data / "invoices-invoice2data", args.cache, seconds)
    if seconds:
        print(f"\nseconds per document, text and fields: {_spread(seconds)} ({len(seconds)} documents)")
        print(f"seconds per document, read_fields alone: {_spread(FIELDS_SECONDS, digits=3)}")
    print(f"peak RSS of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print("\n" + ("MISSED: a target above was missed" if missed else "all targets met") + " (development sets)")
    return 0


def _spread(values: list[float], digits: int = 2) -> str:
    p95 = statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]
    return f"p50 {statistics.median(values):.{digits}f}, p95 {p95:.{digits}f}, max {max(values):.{digits}f}"


def _read(path: Path, content_type: str, cache: Path | None, seconds: list[float], **options):
    start = time.perf_counter()
    cached = cache / f"{path.parent.name}-{path.stem}.pickle" if cache else None  # img-000, invoices-invoice2data-oyo
    if cached and cached.exists():
        text = pickle.loads(cached.read_bytes())
    else:
        text = document_text(path.read_bytes(), content_type)
        if cached:
            cache.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(pickle.dumps(text))
    fields_start = time.perf_counter()
    reading = read_fields(text, **options)
    FIELDS_SECONDS.append(time.perf_counter() - fields_start)
    seconds.append(time.perf_counter() - start)
    return reading


def _receipts(folder: Path, cache: Path | None, seconds: list[float]) -> bool:
    right = {"total": 0, "date": 0, "supplier": 0}
    unkeyed = {"total": 0, "date": 0, "supplier": 0}
    wrong_rows = [("receipt", "field", "expected", "read")]
    images = sorted((folder / "img").glob("*.jpg"))
    for image in images:
        key = json.loads((folder / "key" / f"{image.stem}.json").read_text())
        reading = _read(image, "image/jpeg", cache, seconds, country=RECEIPTS_COUNTRY, base_currency=RECEIPTS_CURRENCY)
        checks = {
            "total": (key["total"], reading.value("total"), _same_amount(key["total"], reading.value("total"))),
            "date": (key["date"], reading.value("date"), _same_receipt_date(key["date"], reading.value("date"))),
            "supplier": (key["company"], reading.value("supplier"),
                         _same_name(key["company"], reading.value("supplier"))),
        }
        for field, (expected, got, ok) in checks.items():
            if not str(expected).strip():
                unkeyed[field] += 1  # the key leaves this field blank: not scored
                continue
            right[field] += ok
            if not ok:
                wrong_rows.append((image.stem, field, str(expected), str(got)))
    count = len(images)
    print(f"\n## Receipts (SROIE, {count} scanned receipts, development set), read as a {RECEIPTS_COUNTRY} business")
    rows = [("field", "right", "of", "%", "target %", "")]
    missed = False
    for field, hits in right.items():
        scored = count - unkeyed[field]
        percent = 100 * hits / scored if scored else 0
        target = TARGETS[f"receipts {field}"]
        missed |= percent < target
        outcome = "" if percent >= target else "MISSED"
        rows.append((field, str(hits), str(scored), f"{percent:.0f}", str(target), outcome))
    print(text_table(rows, numeric={1, 2, 3, 4}))
    if any(unkeyed.values()):
        print("not scored (blank in the key): " + ", ".join(f"{f} {n}" for f, n in unkeyed.items() if n))
    if len(wrong_rows) > 1:
        print("\nwrong:\n" + text_table(wrong_rows, numeric=set()))
    return missed


def _invoices(folder: Path, cache: Path | None, seconds: list[float]) -> bool:
    rows = [("invoice", "country", "total", "date", "number", "supplier read", "all three")]
    all_right = 0
    pdfs = sorted(folder.glob("*.pdf"))
    for pdf in pdfs:
        expected = json.loads(pdf.with_suffix(".json").read_text())[0]
        country, currency = INVOICE_COUNTRIES.get(pdf.stem, ("GB", "GBP"))
        reading = _read(pdf, "application/pdf", cache, seconds, country=country, base_currency=currency)
        marks = [
            _mark(expected.get("amount"), reading.value("total"), _same_amount),
            _mark(expected.get("date"), reading.value("date"), lambda e, g: g == date.fromisoformat(e)),
            _mark(expected.get("invoice_number"), reading.value("number"), _same_reference),
        ]
        ok = all(not mark.startswith("WRONG") for mark in marks)
        all_right += ok
        rows.append((pdf.stem, country, *marks, str(reading.value("supplier")), "yes" if ok else "no"))
    print(f"\n## Invoices (invoice2data, {len(pdfs)} PDFs, development set)")
    print(text_table(rows, numeric=set()))
    missed = all_right < INVOICES_TARGET
    print(f"total, date and number all right: {all_right} of {len(pdfs)} (target ≥ {INVOICES_TARGET})"
          + (" MISSED" if missed else "") + "; a field the invoice's file doesn't give is not scored (n/a)")
    return missed


def _mark(expected, got, same) -> str:
    if expected is None:
        return f"n/a ({got})"
    return f"ok {got}" if same(expected, got) else f"WRONG {got} (expected {expected})"


def _same_amount(expected, got) -> bool:
    """The key's amount (a number, or as printed: "RM 3.90", "$8.20") equal to the cent."""
    amount = Price.fromstring(str(expected)).amount
    return got is not None and amount is not None and amount.quantize(Decimal("0.01")) == got


def _same_receipt_date(expected: str, got) -> bool:
    """The key's date as printed: mostly day first (25/12/2018, 17-03-18, 30 MAR 2018), sometimes ISO or compact ISO
    (2018-03-23, 20180304), once month first where the day can't be a month (12/28/2017)."""
    if got is None:
        return False
    if re.fullmatch(r"\d{8}", expected):
        return got == date(int(expected[:4]), int(expected[4:6]), int(expected[6:]))
    parsed = dateparser.parse(expected, languages=["en"], settings={"DATE_ORDER": "DMY"})
    return parsed is not None and got == parsed.date()


def _same_name(expected: str, got) -> bool:
    if not got:
        return False
    return fuzz.ratio(_plain(expected), _plain(got)) >= SUPPLIER_RATIO


def _plain(name: str) -> str:
    return re.sub(r"[\W_]", "", name.casefold())


def _same_reference(expected: str, got) -> bool:
    """Letters and digits equal, case ignored: "#BLR_WFLD2015" and "BLR_WFLD2015" are the same reference."""
    return bool(got) and re.sub(r"[\W_]", "", str(expected)).casefold() == re.sub(r"[\W_]", "", got).casefold()


if __name__ == "__main__":
    sys.exit(main())
