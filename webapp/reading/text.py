"""A document's text as lines with boxes: a PDF's text layer where it has one, OCR for photos and scanned pages.

Only the first MAX_PAGES pages are read (totals, dates and numbers sit on the first pages), so a 200-page PDF
costs what a 3-page one does. Every failure is an `Unreadable` with a sentence a person understands."""
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from webapp.reading import images, ocr
from webapp.reading.model import Box, Line, Text, Unreadable

MAX_PAGES = 3  # totals, dates and numbers sit on the first pages; reading more only costs time
OCR_DPI = 200  # a scanned page rendered at 200 dpi: receipt print stays legible
MIN_TEXT_CHARS = 20  # fewer characters on a page than this: treat it as a scan
COLUMN_GAP = 1.0  # a gap between words wider than the line is high: another column (two spaces, not one)


def document_text(data: bytes, content_type: str) -> Text:
    if content_type == "application/pdf" or b"%PDF-" in data[:1024]:  # a PDF sent as octet-stream is still one
        return _pdf_text(data)
    return _image_text(data)


def _pdf_text(data: bytes) -> Text:
    pdf = _open_pdf(data)
    lines, sources = [], set()
    try:
        pages = len(pdf)
        for number in range(min(pages, MAX_PAGES)):
            found, source = _pdf_page_lines(pdf, number)
            lines.extend(found)
            sources.add(source)
    finally:
        pdf.close()
    if not lines:
        raise Unreadable("no text was found in the PDF: its pages are blank")
    sources.discard("blank")
    return Text(tuple(lines), pages, " and ".join(sorted(sources, reverse=True)))


def _open_pdf(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise Unreadable("the PDF is password-protected; upload a copy saved without a password") from error
        raise Unreadable("the PDF is damaged: it can't be opened") from error


def _pdf_page_lines(pdf: pdfium.PdfDocument, index: int) -> tuple[list[Line], str]:
    try:
        page = pdf[index]
        found = _text_layer_lines(page, index + 1)
        if sum(len(line.text) for line in found) >= MIN_TEXT_CHARS:
            return found, "text layer"
        scan = images.ready_for_ocr(_render(page))
    except pdfium.PdfiumError as error:
        raise Unreadable(f"the PDF is damaged: page {index + 1} can't be read") from error
    if scan is None:
        return found, "text layer" if found else "blank"
    return _ocr_lines(scan, index + 1), "ocr"


def _render(page) -> Image.Image:
    """The page as a greyscale image at OCR_DPI, or smaller where that would pass images.OCR_PIXELS (a poster-sized
    page must not take gigabytes)."""
    width, height = page.get_size()  # points, 72 to the inch
    scale = min(OCR_DPI / 72, (images.OCR_PIXELS / max(1.0, width * height)) ** 0.5)
    return page.render(scale=scale, grayscale=True).to_pil().convert("L")


def _text_layer_lines(page, number: int) -> list[Line]:
    """The page's words (as PDFium splits them, with the spaces it infers from the glyphs' positions), grouped
    into lines by where they sit."""
    width, height = page.get_size()
    textpage = page.get_textpage()
    runs, word, boxes = [], [], []

    def end_word():
        if word:
            text = "".join(word).encode("utf-16", "surrogatepass").decode("utf-16", "replace")
            runs.append((Box(number, min(b[0] for b in boxes) / width, 1 - max(b[3] for b in boxes) / height,
                             max(b[2] for b in boxes) / width, 1 - min(b[1] for b in boxes) / height), text, 1.0))
            word.clear()
            boxes.clear()

    for index in range(textpage.count_chars()):
        char = chr(pdfium_c.FPDFText_GetUnicode(textpage, index))
        if char.isspace() or char == "\0":
            end_word()
            continue
        box = textpage.get_charbox(index, loose=True)
        if boxes and (box[0] < boxes[-1][0] or box[3] < boxes[-1][1] or box[1] > boxes[-1][3]):
            end_word()  # went back left, or to another line, with no space between
        word.append(char)
        boxes.append(box)
    end_word()
    return group_lines(runs, height / width)


def _image_text(data: bytes) -> Text:
    pages, count = images.image_pages(data, MAX_PAGES)
    ready = [images.ready_for_ocr(page) for page in pages]
    if all(page is None for page in ready):
        raise Unreadable("the photo is blank: no text was found")
    lines = [line for number, page in enumerate(ready, 1) if page is not None for line in _ocr_lines(page, number)]
    if not lines:
        raise Unreadable("no text was found in the photo")
    return Text(tuple(lines), count, "ocr")


def _ocr_lines(image: Image.Image, number: int) -> list[Line]:
    """The page's OCR runs grouped into lines in the page's reading frame (turned upright), boxes given back in
    the frame of the page as it is shown."""
    runs, turn = ocr.read(image)
    turned = turn in (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270)
    aspect = image.width / image.height if turned else image.height / image.width
    lines = group_lines([(Box(number, *where), text, score) for where, text, score in runs], aspect)
    return [Line(line.text, _unturn(line.box, turn), line.confidence) for line in lines]


def _unturn(box: Box, turn: Image.Transpose | None) -> Box:
    """A box on the turned page, on the page as it is shown."""
    page, left, top, right, bottom = box.page, box.left, box.top, box.right, box.bottom
    if turn == Image.Transpose.ROTATE_90:  # read turned a quarter anticlockwise
        return Box(page, 1 - bottom, left, 1 - top, right)
    if turn == Image.Transpose.ROTATE_270:  # a quarter clockwise
        return Box(page, top, 1 - right, bottom, 1 - left)
    if turn == Image.Transpose.ROTATE_180:
        return Box(page, 1 - right, 1 - bottom, 1 - left, 1 - top)
    return box


def group_lines(runs: list[tuple[Box, str, float]], aspect: float = 1.0) -> list[Line]:
    """Runs of text whose vertical middles sit within each other's height, joined left to right with a space, or
    two across a column's gap. `aspect` is the page's height over its width, to compare gaps with heights."""
    rows: list[list] = []
    for run in sorted(runs, key=lambda r: (r[0].page, (r[0].top + r[0].bottom) / 2)):
        box = run[0]
        middle = (box.top + box.bottom) / 2
        if rows and rows[-1][0][0].page == box.page and _within(rows[-1], middle):
            rows[-1].append(run)
        else:
            rows.append([run])
    return [_join(sorted(row, key=lambda r: r[0].left), aspect) for row in rows]


def _within(row, middle: float) -> bool:
    top = min(r[0].top for r in row)
    bottom = max(r[0].bottom for r in row)
    slack = (bottom - top) * 0.25
    return top + slack <= middle <= bottom - slack or abs(middle - (top + bottom) / 2) < (bottom - top) / 2 * 0.6


def _join(row, aspect: float) -> Line:
    boxes = [r[0] for r in row]
    box = Box(boxes[0].page, min(b.left for b in boxes), min(b.top for b in boxes),
              max(b.right for b in boxes), max(b.bottom for b in boxes))
    height = (box.bottom - box.top) * aspect  # in fractions of the page's width, like the gaps
    text = row[0][1]
    for previous, run in zip(row, row[1:]):
        text += "  " if run[0].left - previous[0].right > COLUMN_GAP * height else " "
        text += run[1]
    return Line(text, box, min(r[2] for r in row))
