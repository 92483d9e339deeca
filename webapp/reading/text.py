"""A document's text as lines with boxes: a PDF's text layer where it has one, OCR for photos and scanned pages."""
import io

import pypdfium2 as pdfium
from PIL import Image, ImageOps

from webapp.reading.model import Box, Line, Text, Unreadable

MAX_PAGES = 3  # totals, dates and numbers sit on the first pages; reading more only costs time
OCR_SCALE = 200 / 72  # a scanned page rendered at 200 dpi
MIN_TEXT_CHARS = 20  # fewer characters on a page than this: treat it as a scan


def document_text(data: bytes, content_type: str) -> Text:
    if content_type == "application/pdf":
        return _pdf_text(data)
    return _image_text(data)


def _pdf_text(data: bytes) -> Text:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise Unreadable("the PDF is damaged or password-protected") from error
    lines, sources = [], set()
    try:
        for number in range(min(len(pdf), MAX_PAGES)):
            page = pdf[number]
            found = _text_layer_lines(page, number + 1)
            if sum(len(line.text) for line in found) >= MIN_TEXT_CHARS:
                sources.add("text layer")
            else:
                image = page.render(scale=OCR_SCALE, grayscale=True).to_pil()
                found = _ocr_lines(image, number + 1)
                sources.add("ocr")
            lines.extend(found)
        pages = len(pdf)
    finally:
        pdf.close()
    return Text(tuple(lines), pages, " and ".join(sorted(sources, reverse=True)) or "text layer")


def _text_layer_lines(page, number: int) -> list[Line]:
    """The page's text runs, grouped into lines by where they sit."""
    width, height = page.get_size()
    textpage = page.get_textpage()
    runs = []
    for index in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(index)
        text = textpage.get_text_bounded(left, bottom, right, top).strip()
        if text:
            runs.append((Box(number, left / width, 1 - top / height, right / width, 1 - bottom / height), text, 1.0))
    return group_lines(runs)


def _image_text(data: bytes) -> Text:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("L")
    except (OSError, ValueError) as error:
        raise Unreadable("the image is damaged") from error
    return Text(tuple(_ocr_lines(image, 1)), 1, "ocr")


_engine = None


def _ocr_lines(image: Image.Image, number: int) -> list[Line]:
    global _engine
    if _engine is None:
        from rapidocr_onnxruntime import RapidOCR
        _engine = RapidOCR()
    import numpy
    result, _ = _engine(numpy.asarray(image.convert("RGB")))
    width, height = image.size
    runs = []
    for corners, text, score in result or []:
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        runs.append((Box(number, min(xs) / width, min(ys) / height, max(xs) / width, max(ys) / height),
                     text.strip(), float(score)))
    return group_lines(runs)


def group_lines(runs: list[tuple[Box, str, float]]) -> list[Line]:
    """Runs of text whose vertical middles sit within each other's height, joined left to right."""
    rows: list[list] = []
    for run in sorted(runs, key=lambda r: (r[0].page, (r[0].top + r[0].bottom) / 2)):
        box = run[0]
        middle = (box.top + box.bottom) / 2
        if rows and rows[-1][0][0].page == box.page and _within(rows[-1], middle):
            rows[-1].append(run)
        else:
            rows.append([run])
    return [_join(sorted(row, key=lambda r: r[0].left)) for row in rows]


def _within(row, middle: float) -> bool:
    top = min(r[0].top for r in row)
    bottom = max(r[0].bottom for r in row)
    slack = (bottom - top) * 0.25
    return top + slack <= middle <= bottom - slack or abs(middle - (top + bottom) / 2) < (bottom - top) / 2 * 0.6


def _join(row) -> Line:
    boxes = [r[0] for r in row]
    box = Box(boxes[0].page, min(b.left for b in boxes), min(b.top for b in boxes),
              max(b.right for b in boxes), max(b.bottom for b in boxes))
    return Line("  ".join(r[1] for r in row), box, min(r[2] for r in row))
