"""A document's text as a person would check it: the total and the date read, on the right page, in the right
area, from photos (upright, sideways, skewed, in every format), scanned and text PDFs; and a plain sentence for
what can't be read. The documents are drawn here with Pillow and fpdf2."""
import io
import random
import time

import pypdf
import pytest
from fpdf import FPDF
from PIL import Image, ImageFilter

from tests.items_helpers import RECEIPT, encoded, receipt_image
from webapp.reading import images
from webapp.reading.model import Unreadable
from webapp.reading.text import MAX_PAGES, document_text, group_lines
from webapp.reading.model import Box

def line_with(text, needle):
    found = [line for line in text.lines if needle in line.text.replace(" ", "")]
    assert found, f"{needle!r} not in {[line.text for line in text.lines]}"
    return found[0]


def assert_reads_the_receipt(text, page=1):
    total, date = line_with(text, "12.34"), line_with(text, "05/11/2024")
    assert "TOTAL" in total.text.upper() and total.box.page == page and date.box.page == page
    return total, date


def test_a_photo_reads_its_total_and_date_where_they_are_printed():
    text = document_text(encoded(receipt_image().convert("RGB"), "JPEG", quality=90), "image/jpeg")
    total, date = assert_reads_the_receipt(text)
    assert text.source == "ocr" and text.pages == 1
    assert date.box.bottom <= total.box.top  # the date above the total, as printed
    assert 0.55 < total.box.top < total.box.bottom < 0.85 and total.box.left < 0.2
    assert text.lines[0].text.replace(" ", "") == "CORNERCAFELTD" and " " in text.lines[0].text  # words kept apart


def test_a_phone_photo_taken_sideways_reads_upright_by_its_exif_orientation():
    sideways = receipt_image().convert("RGB").transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    text = document_text(encoded(sideways, "JPEG", exif=exif), "image/jpeg")
    total, _ = assert_reads_the_receipt(text)
    assert 0.55 < total.box.top < 0.85  # boxes on the photo as it is shown: upright


def test_a_photo_turned_sideways_without_exif_is_read_turned_and_boxed_where_the_text_is_shown():
    text = document_text(encoded(receipt_image().transpose(Image.Transpose.ROTATE_90), "PNG"), "image/png")
    total, _ = assert_reads_the_receipt(text)
    # turned a quarter anticlockwise, the receipt's bottom lines are on the right of the photo as shown
    assert total.box.left > 0.55 and total.box.right - total.box.left < total.box.bottom - total.box.top


def test_an_upside_down_photo_is_read_the_right_way_up():
    text = document_text(encoded(receipt_image().transpose(Image.Transpose.ROTATE_180), "PNG"), "image/png")
    total, date = assert_reads_the_receipt(text)
    assert total.box.bottom < date.box.top  # as shown, upside down, the total sits above the date


def test_a_skewed_noisy_grey_photo_reads():
    photo = receipt_image().rotate(4, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    random.seed(7)
    noise = Image.effect_noise(photo.size, 40)
    faded = Image.blend(photo, noise, 0.25).point(lambda v: 90 + v * 100 // 255)  # grey on grey, low contrast
    text = document_text(encoded(faded.filter(ImageFilter.GaussianBlur(0.6)), "JPEG", quality=80), "image/jpeg")
    assert_reads_the_receipt(text)


def test_a_pdf_with_a_text_page_then_a_scanned_page_reads_both():
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.text(20, 30, "INVOICE 2024-117 from Northwind Supplies")
    pdf.text(20, 250, "Amount due 840.00")
    pdf.add_page()
    pdf.image(receipt_image(), x=30, y=20, w=120)
    text = document_text(bytes(pdf.output()), "application/pdf")
    assert text.source == "text layer and ocr" and text.pages == 2
    due = line_with(text, "Amountdue840.00")
    assert due.box.page == 1 and due.confidence == 1.0 and 0.8 < due.box.top < 0.9
    total, _ = assert_reads_the_receipt(text, page=2)
    assert total.confidence < 1.0


def test_a_scan_saved_by_pillow_as_an_image_only_pdf_is_read_by_ocr():
    text = document_text(encoded(receipt_image(), "PDF", resolution=150), "application/pdf")
    assert text.source == "ocr"
    assert_reads_the_receipt(text)


def test_a_200_page_pdf_reads_its_first_pages_only_and_quickly():
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for number in range(1, 201):
        pdf.add_page()
        pdf.text(20, 30, f"Statement page {number} of 200, balance {number}.00")
    started = time.perf_counter()
    text = document_text(bytes(pdf.output()), "application/pdf")
    assert time.perf_counter() - started < 5
    assert text.pages == 200 and text.source == "text layer"
    assert [line.box.page for line in text.lines] == list(range(1, MAX_PAGES + 1))
    assert "Statement page 1 of 200" in text.lines[0].text


def test_a_multi_page_tiff_reads_its_pages_in_order_skipping_a_blank_one():
    blank, receipt = Image.new("L", (640, 900), "white"), receipt_image()
    text = document_text(encoded(blank, "TIFF", save_all=True, append_images=[receipt]), "image/tiff")
    assert text.pages == 2
    assert_reads_the_receipt(text, page=2)


@pytest.mark.parametrize("kind", ["GIF", "HEIF"])
def test_gif_and_heic_photos_read(kind):
    data = encoded(receipt_image().convert("RGB"), kind)
    assert_reads_the_receipt(document_text(data, f"image/{kind.lower()}"))


def test_a_60_megapixel_photo_is_read_from_a_smaller_decoding():
    huge = receipt_image(width=640, size=30).resize((6400, 9400), Image.Resampling.NEAREST)
    data = encoded(huge, "JPEG", quality=70)
    assert huge.width * huge.height > 60_000_000
    pages, _ = images.image_pages(data, 1)
    assert pages[0].width * pages[0].height <= images.OCR_PIXELS  # never decoded at full size
    assert_reads_the_receipt(document_text(data, "image/jpeg"))


def test_a_picture_too_large_to_decode_safely_is_refused_in_plain_words():
    with pytest.raises(Unreadable, match="too large to read \\(70 megapixels\\)"):
        document_text(encoded(Image.new("1", (10_000, 7_000), 1), "PNG"), "image/png")


@pytest.mark.parametrize("colour", ["white", "black", "grey"])
def test_a_blank_or_black_photo_says_so(colour):
    photo = Image.new("L", (1200, 1600), colour)
    with pytest.raises(Unreadable, match="^the photo is blank: no text was found$"):
        document_text(encoded(photo, "JPEG"), "image/jpeg")


def test_a_blank_pdf_says_no_text_was_found():
    pdf = FPDF()
    pdf.add_page()
    with pytest.raises(Unreadable, match="no text was found in the PDF"):
        document_text(bytes(pdf.output()), "application/pdf")


@pytest.mark.parametrize("data", [b"%PDF-1.7\n1 0 obj <<>> garbage", b"", b"not a pdf at all"])
def test_a_damaged_pdf_says_so(data):
    with pytest.raises(Unreadable, match="^the PDF is damaged"):
        document_text(data, "application/pdf")


def test_a_password_protected_pdf_says_so():
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.text(20, 30, "Total 12.34")
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(bytes(pdf.output()))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(Unreadable, match="^the PDF is password-protected"):
        document_text(buffer.getvalue(), "application/pdf")


@pytest.mark.parametrize("data", [b"\xff\xd8\xff\xe0 truncated jpeg", b"GIF89a", b"<html>hello</html>"])
def test_a_damaged_image_says_so(data):
    with pytest.raises(Unreadable, match="^the image is damaged"):
        document_text(data, "image/jpeg")


def test_runs_on_one_row_join_left_to_right_and_rows_keep_their_order():
    def run(text, left, top, page=1):
        return Box(page, left, top, left + 0.2, top + 0.03), text, 0.9

    lines = group_lines([run("12.34", 0.7, 0.502), run("TOTAL", 0.1, 0.5), run("Date", 0.1, 0.4),
                         run("next page", 0.1, 0.1, page=2)])
    assert [(line.text, line.box.page) for line in lines] == [("Date", 1), ("TOTAL  12.34", 1), ("next page", 2)]


def test_a_pdf_sent_without_its_content_type_is_still_read_as_a_pdf():
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.text(20, 30, "Invoice total 99.50, due 31/12/2024")
    text = document_text(bytes(pdf.output()), "application/octet-stream")
    assert text.source == "text layer" and text.lines[0].text == "Invoice total 99.50, due 31/12/2024"
