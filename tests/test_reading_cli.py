"""`flask extract FILE...`: one JSON object per file, without a database or Redis; a bad file says why."""
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.items_helpers import image_bytes, pdf_bytes

ROOT = Path(__file__).resolve().parent.parent


def _extract(tmp_path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOCKET_ENV": "development", "DOCKET_INSTANCE_PATH": str(tmp_path / "instance"),
           "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nothing", "REDIS_URL": "redis://127.0.0.1:9/0"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "extract", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_extract_prints_each_files_fields_as_json_without_a_database_or_redis(tmp_path):
    invoice = tmp_path / "acme.pdf"
    invoice.write_bytes(pdf_bytes("ACME SUPPLIES LTD", "VAT reg GB123456789", "Invoice No: INV-0042",
                                  "Invoice date: 03/12/2026", "Subtotal 100.00", "VAT 20.00", "Total $120.00"))
    photo, broken = tmp_path / "photo.png", tmp_path / "broken.pdf"
    photo.write_bytes(image_bytes("PNG"))
    broken.write_bytes(b"%PDF-1.4\n1 0 obj garbage")
    result = _extract(tmp_path, "--country", "US", str(broken), str(invoice), str(photo))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["file"] for row in rows] == [str(broken), str(invoice), str(photo)]
    assert "damaged" in rows[0]["error"] and "the photo is blank" in rows[2]["error"]
    read = rows[1]
    assert {key: read[key] for key in ("type", "supplier", "supplier_tax_number", "date", "due_date", "total", "tax",
                                       "net", "currency", "number", "lines")} == {
        "type": "invoice", "supplier": "ACME SUPPLIES LTD", "supplier_tax_number": "GB123456789",
        "date": "2026-03-12", "due_date": None, "total": "120.00", "tax": "20.00", "net": "100.00",
        "currency": "USD", "number": "INV-0042", "lines": []}  # month first in the US; $ is the US dollar
    assert read["confidence"]["total"] >= 0.9 and read["confidence"]["supplier_tax_number"] < 0.8  # no valid check digits
