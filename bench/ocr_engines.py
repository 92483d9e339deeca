"""OCR engines compared on scanned receipts (issue 16): seconds per receipt, peak memory and how much of what a
person reads off the receipt is in the engine's text.

    .venv/bin/python -m bench.ocr_engines /work/shared/data [--receipts 100] [--engines NAME,...]

DATA holds `receipts-sroie/` (img/NNN.jpg, key/NNN.json with company, date and total; a development set). Each
engine runs in a process of its own (so its peak RSS is its own), reads one receipt to warm up, then every receipt
once. Figures per engine:
- p50 / p95: seconds to read one receipt (the engine's call only; `docket` is `document_text` on the JPEG's bytes);
- CPU s: median CPU seconds per receipt, all threads and child processes; less disturbed than wall time
  when the machine is busy;
- peak RSS: of the process after reading them all (tesseract: the larger of the Python process and its
  `tesseract` children);
- total / date: share of receipts whose key total ("9.00") and key date appear, as printed, in the text;
- supplier: share whose key company matches the best line (or two adjacent lines) with rapidfuzz partial_ratio
  >= 85, case, spaces and punctuation ignored, the line at least half as long as the name;
- supplier words: share where at least 80% of the company's words (2+ letters or digits) stand as words in the
  text, so a name read with its spaces dropped ("BOOKTA_K(TAMANDAYA)SDNBHD") misses.
The comparison engines are not Docket's dependencies: `pip install rapidocr-onnxruntime==1.4.4 pytesseract` and
`apt-get install tesseract-ocr tesseract-ocr-eng` to run them; an engine not installed is skipped.
Exits 0 (figures only), 1 if an engine crashed."""
import argparse
import json
import multiprocessing
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import common

RAPIDOCR_1 = "rapidocr-onnxruntime 1.4.4 (PP-OCRv4 ch)"
ENGINES = {
    "rapidocr1": f"{RAPIDOCR_1}, defaults",
    "rapidocr1-fast": f"{RAPIDOCR_1}, no angle classifier, 2 threads",
    "rapidocr3": "rapidocr 3.10 (PP-OCRv6 small), defaults",
    "rapidocr3-fast": "rapidocr 3.10 (PP-OCRv6 small), no angle classifier, 2 threads",
    "rapidocr3-960": "rapidocr 3.10, no angle classifier, 2 threads, det limit_side_len 960 (max side)",
    "tesseract": "Tesseract 5 (Debian tesseract-ocr-eng, pytesseract, --psm 3)",
    "docket": "document_text (webapp/reading/text.py, the engine Docket uses, as configured)",
    "docket-one-lane": "the same, recognition by one session on both threads (ocr.LANES = 1) rather than two lanes",
}
SUPPLIER_SCORE = 85
MISSING = 3  # exit status of an engine's process when its package isn't installed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ocr_engines", description=__doc__.split("\n")[0])
    parser.add_argument("data", help="the shared data folder (holding receipts-sroie/)")
    parser.add_argument("--receipts", type=int, default=100, help="how many receipts (the first N)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated, of: " + ", ".join(ENGINES))
    parser.add_argument("--memory", action="store_true",
                        help="instead: one process reads the receipts then the worst inputs; its RSS after each")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # run one engine in this process, print JSON
    args = parser.parse_args(argv)
    receipts = _receipts(Path(args.data) / "receipts-sroie", args.receipts)
    if args.memory:
        return _memory(receipts)
    if args.one:
        try:
            result = _run_engine(args.one, receipts)
        except ImportError as error:  # the comparison engines are not Docket's dependencies
            print(f"not installed ({error.name})", file=sys.stderr)
            return MISSING
        print(json.dumps(result))
        return 0
    print(f"# OCR engines on {len(receipts)} receipts of receipts-sroie (a development set)")
    print(f"# {common.machine()}")
    rows, crashed = [("engine", "p50 s", "p95 s", "CPU s", "peak RSS MiB", "total", "date", "supplier",
                      "supplier words")], False
    for name in args.engines.split(","):
        started = time.time()
        child = subprocess.run([sys.executable, "-m", "bench.ocr_engines", args.data, "--receipts",
                                str(args.receipts), "--one", name], capture_output=True, text=True)
        if child.returncode == MISSING:
            print(f"# {name}: skipped, {child.stderr.strip().splitlines()[-1]}")
            continue
        if child.returncode:
            print(f"WRONG: {name} crashed:\n{child.stderr[-2000:]}")
            crashed = True
            continue
        result = json.loads(child.stdout.strip().splitlines()[-1])
        rows.append((name, f"{result['p50']:.2f}", f"{result['p95']:.2f}", f"{result['cpu']:.2f}",
                     f"{result['rss_mib']:.0f}",
                     _share(result["total"]), _share(result["date"]), _share(result["supplier"]),
                     _share(result["supplier_words"])))
        print(f"# {name}: {ENGINES[name]} ({time.time() - started:.0f} s, load {os.getloadavg()[0]:.2f})",
              flush=True)
    print(common.text_table(rows, numeric=set(range(1, 9))))
    return 1 if crashed else 0


def _memory(receipts: list[tuple[Path, dict]]) -> int:
    """The extraction worker's memory: what one process holds after reading the receipts, then each worst input
    (made here), with `document_text` as the worker calls it."""
    import psutil

    from webapp.reading.model import Unreadable
    from webapp.reading.text import document_text

    process = psutil.Process()
    print(f"# worker memory: document_text on {len(receipts)} receipts, then the worst inputs")
    print(f"# {common.machine()}")
    rows = [("input", "seconds", "outcome", "RSS MiB", "peak RSS MiB")]

    def measure(name: str, data: bytes, content_type: str) -> None:
        started = time.perf_counter()
        try:
            outcome = f"{len(document_text(data, content_type).lines)} lines"
        except Unreadable as error:
            outcome = f"Unreadable: {error.reason}"
        rows.append((name, f"{time.perf_counter() - started:.1f}", outcome[:70],
                     f"{process.memory_info().rss / 2**20:.0f}",
                     f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"))
        print(f"# {name}: done", flush=True)

    rows.append(("(modules imported)", "", "", f"{process.memory_info().rss / 2**20:.0f}",
                 f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"))
    for image, _ in receipts:
        measure(f"receipt {image.name}", image.read_bytes(), "image/jpeg")
    del rows[2:-1]  # one row for the receipts: the last, with the peak over all of them
    rows[-1] = (f"{len(receipts)} receipts", *rows[-1][1:])
    with tempfile.TemporaryDirectory(prefix="docket-ocr-worst-") as directory:
        maker = multiprocessing.get_context("spawn").Process(target=_write_worst_inputs,
                                                             args=(receipts[0][0], directory))
        maker.start()  # made in another process, so making them doesn't count in this one's peak
        maker.join()
        for path in sorted(Path(directory).iterdir()):
            name, content_type = path.stem.split("-", 1)[1].replace("_", " "), WORST_TYPES[path.suffix]
            measure(name, path.read_bytes(), content_type)
    print(common.text_table(rows, numeric={1, 3, 4}))
    return 0


WORST_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}


def _write_worst_inputs(receipt: Path, directory: str) -> None:
    """A 60-megapixel JPEG and PNG of a receipt, a 200-page scanned PDF, a 200-page text PDF, a black photo."""
    from PIL import Image

    with Image.open(receipt) as picture:
        scan = picture.convert("L")
    scale = (60_000_000 / (scan.width * scan.height)) ** 0.5
    huge = scan.resize((round(scan.width * scale), round(scan.height * scale)), Image.Resampling.BILINEAR).convert("RGB")
    megapixels = f"{huge.width * huge.height / 1e6:.0f}"
    huge.save(f"{directory}/1-{megapixels}_MP_JPEG_photo.jpg", quality=85)
    huge.save(f"{directory}/2-{megapixels}_MP_PNG.png", compress_level=1)
    del huge
    scan.save(f"{directory}/3-200-page_scanned_PDF.pdf", save_all=True, append_images=[scan] * 199, resolution=150)
    Path(f"{directory}/4-200-page_text_PDF.pdf").write_bytes(_text_pdf(200))
    Image.new("RGB", (4000, 3000), "black").save(f"{directory}/5-black_photo.jpg")


def _text_pdf(pages: int) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for number in range(1, pages + 1):
        pdf.add_page()
        for row in range(40):
            pdf.text(15, 20 + row * 6, f"Page {number}, line {row + 1}: consulting services  {number * row}.00")
    return bytes(pdf.output())


def _share(value: float) -> str:
    return f"{value:.0%}"


def _receipts(folder: Path, count: int) -> list[tuple[Path, dict]]:
    images = sorted((folder / "img").glob("*.jpg"))[:count]
    return [(image, json.loads((folder / "key" / f"{image.stem}.json").read_text())) for image in images]


def _run_engine(name: str, receipts: list[tuple[Path, dict]]) -> dict:
    read = _reader(name)
    read(receipts[0][0])  # warm up: models loaded, first-call allocations made
    seconds, cpu, found = [], [], {"total": 0, "date": 0, "supplier": 0, "supplier_words": 0}
    for image, key in receipts:
        started, started_cpu = time.perf_counter(), _cpu_seconds()
        lines = read(image)
        seconds.append(time.perf_counter() - started)
        cpu.append(_cpu_seconds() - started_cpu)
        for name_, hit in _score(lines, key).items():
            found[name_] += hit
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"p50": statistics.median(seconds), "p95": _p95(seconds), "cpu": statistics.median(cpu), "rss_mib": max(own, children) / 1024,
            **{k: v / len(receipts) for k, v in found.items()}}


def _cpu_seconds() -> float:
    """This process's CPU time and its finished children's (tesseract runs as a child), all threads."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _score(lines: list[str], key: dict) -> dict[str, bool]:
    text = "\n".join(lines)
    return {"total": key["total"] in text, "date": key["date"] in text,
            "supplier": _supplier_found(lines, key["company"]),
            "supplier_words": _supplier_words_found(text, key["company"])}


def _supplier_found(lines: list[str], company: str) -> bool:
    from rapidfuzz import fuzz

    def normal(text: str) -> str:
        return re.sub(r"[^A-Z0-9]+", "", text.upper())

    name = normal(company)
    candidates = [normal(line) for line in lines]
    candidates += [a + b for a, b in zip(candidates, candidates[1:])]
    return any(fuzz.partial_ratio(name, candidate) >= SUPPLIER_SCORE
               for candidate in candidates if len(candidate) >= len(name) / 2)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Z0-9]{2,}", text.upper()))


def _supplier_words_found(text: str, company: str) -> bool:
    """At least 80% of the name's words (two characters or more) stand as words in the text: its spaces kept."""
    name = _words(company)
    return not name or len(name & _words(text)) >= 0.8 * len(name)


def _reader(name: str):
    if name.startswith("rapidocr1"):
        return _rapidocr1(fast=name.endswith("fast"))
    if name.startswith("rapidocr3"):
        return _rapidocr3(fast=name != "rapidocr3", det_limit=960 if name.endswith("960") else None)
    if name == "tesseract":
        return _tesseract()
    if name == "docket":
        return _docket()
    if name == "docket-one-lane":
        return _docket(lanes=1)
    raise SystemExit(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")


def _rgb(image: Path):
    import numpy
    from PIL import Image

    with Image.open(image) as picture:
        return numpy.asarray(picture.convert("RGB"))


def _rapidocr1(fast: bool):
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR(intra_op_num_threads=2, inter_op_num_threads=1) if fast else RapidOCR()

    def read(image: Path) -> list[str]:
        result, _ = engine(_rgb(image), use_cls=not fast)
        return [text for _, text, _ in result or []]
    return read


def _rapidocr3(fast: bool, det_limit: int | None):
    from rapidocr import RapidOCR

    params = {"Global.log_level": "error"}
    if fast:
        params |= {"Global.use_cls": False, "EngineConfig.onnxruntime.intra_op_num_threads": 2,
                   "EngineConfig.onnxruntime.inter_op_num_threads": 1}
    if det_limit:
        params |= {"Det.limit_side_len": det_limit, "Det.limit_type": "max"}
    engine = RapidOCR(params=params)

    def read(image: Path) -> list[str]:
        return list(engine(_rgb(image)).txts or ())
    return read


def _tesseract():
    import pytesseract
    from PIL import Image

    def read(image: Path) -> list[str]:
        with Image.open(image) as picture:
            data = pytesseract.image_to_data(picture.convert("L"), config="--psm 3",
                                             output_type=pytesseract.Output.DICT)
        lines: dict[tuple, list[str]] = {}
        for word, *where in zip(data["text"], data["block_num"], data["par_num"], data["line_num"]):
            if word.strip():
                lines.setdefault(tuple(where), []).append(word)
        return [" ".join(words) for words in lines.values()]
    return read


def _docket(lanes: int | None = None):
    from webapp.reading import ocr
    from webapp.reading.text import document_text

    ocr.LANES = lanes or ocr.LANES

    def read(image: Path) -> list[str]:
        return [line.text for line in document_text(image.read_bytes(), "image/jpeg").lines]
    return read


if __name__ == "__main__":
    sys.exit(main())
