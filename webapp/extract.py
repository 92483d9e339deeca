"""`flask extract FILE...`: read documents from disk as the `extract` worker would, without a database or Redis,
and print one JSON object per file (what was read, and how sure the reading is of each field)."""
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from webapp.items import validation
from webapp.reading import Unreadable, read_document
from webapp.reading.model import Reading

SHOWN = ("type", "supplier", "supplier_tax_number", "date", "due_date", "total", "tax", "net", "currency", "number")


@click.command("extract")
@click.option("--country", default="GB", show_default=True, help="The business's country (dates in the US are "
              "month first).")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def extract(country, files):
    """Read each FILE and print what it says, one JSON object per line; a file that can't be read prints an
    object with its "error", and the next file is read."""
    for path in files:
        click.echo(json.dumps(described(path, country=country.upper()), ensure_ascii=False))


def described(path: Path, *, country: str) -> dict:
    try:
        data = path.read_bytes()
        content_type = validation.inspect(data, path.name).content_type
        reading = read_document(data, content_type, country=country)
    except OSError as error:
        return {"file": str(path), "error": f"The file can't be opened: {error.strerror or error}."}
    except validation.Rejected as rejected:
        return {"file": str(path), "error": f"“{path.name}” {rejected.reason}."}
    except Unreadable as problem:
        return {"file": str(path), "error": f"Docket couldn't read this document: {problem.reason}."}
    return {"file": str(path), **as_json(reading)}


def as_json(reading: Reading) -> dict:
    """The reading's fields as JSON values: dates in ISO form, amounts as strings with 2 decimals."""
    out = {name: _plain(reading.value(name)) for name in SHOWN}
    out["lines"] = [{"description": line.description, "quantity": _plain(line.quantity, places=None),
                     "unit_amount": _plain(line.unit_amount), "amount": _plain(line.amount),
                     "tax_rate": _plain(line.tax_rate, places=None)} for line in reading.lines]
    out["confidence"] = {name: round(found.confidence, 2) for name, found in reading.fields.items()}
    return out


def _plain(value, places: int | None = 2):
    if isinstance(value, Decimal):
        return f"{value:.{places}f}" if places is not None else str(value.normalize())
    if isinstance(value, date):
        return value.isoformat()
    return value
