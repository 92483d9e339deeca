"""Photos and image files made ready for OCR: turned upright as the camera recorded, shrunk to a size OCR reads
well, greyscale with the contrast stretched; a multi-page TIFF gives its first pages.

Memory stays bounded whatever arrives: a JPEG is decoded already shrunk (Pillow's draft mode), other formats are
refused above MAX_PIXELS before they are decoded."""
import io
import warnings

from PIL import Image, ImageOps, ImageSequence, ImageStat

from webapp.reading.model import Unreadable

try:  # HEIC (iPhone photos) needs the pillow-heif plugin
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - pillow-heif is a dependency
    pass
else:
    register_heif_opener()

MAX_PIXELS = 64_000_000  # larger than any phone camera's photo; decoded in full (but a JPEG) at 4 bytes a pixel
OCR_PIXELS = 4_000_000  # what OCR gets at most: a 12 MP photo's text stays legible, a long receipt keeps its width
EXIF_ORIENTATION = 0x0112
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}  # what ImageOps.exif_transpose does, done here after shrinking
BLANK_SPREAD = 4  # a standard deviation of grey levels below this: nothing is printed on the page


def image_pages(data: bytes, max_pages: int) -> tuple[list[Image.Image], int]:
    """The first `max_pages` pages (frames of a TIFF; one for any other image) as greyscale images of at most
    OCR_PIXELS, upright as the camera recorded, and how many pages the file has."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                _refuse_huge(image)
                pages = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
                frames = [_ready(frame) for frame in _frames(image, min(pages, max_pages))]
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Unreadable(_too_large()) from error
    except (OSError, ValueError, SyntaxError) as error:
        raise Unreadable("the image is damaged or isn't an image Docket can read") from error
    return frames, pages


def ready_for_ocr(grey: Image.Image) -> Image.Image | None:
    """The page with its contrast stretched (a grey photo of a faded receipt reads as black on white), or None
    when it is blank: white, black or evenly grey, with no ink to read."""
    if ImageStat.Stat(grey).stddev[0] < BLANK_SPREAD:
        return None
    return ImageOps.autocontrast(grey, cutoff=1)


def _refuse_huge(image: Image.Image) -> None:
    if image.width * image.height > MAX_PIXELS and image.format != "JPEG":
        raise Unreadable(_too_large(image.width * image.height))


def _too_large(pixels: int | None = None) -> str:
    size = f" ({pixels / 1e6:.0f} megapixels)" if pixels else ""
    return f"the image is too large to read{size}; up to {MAX_PIXELS // 1_000_000} megapixels can be read"


def _frames(image: Image.Image, count: int):
    if image.format == "JPEG":
        scale = (image.width * image.height / OCR_PIXELS) ** 0.5
        if scale > 1:  # decode at 1/2, 1/4 or 1/8 size straight away: a 60 MP JPEG never exists in full
            image.draft("L", (int(image.width / scale), int(image.height / scale)))
        yield image
        return
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        if index >= count:
            return
        yield frame


def _ready(frame: Image.Image) -> Image.Image:
    """Grey first, then shrunk, then turned as the camera recorded: each step on the smallest image it can be."""
    orientation = frame.getexif().get(EXIF_ORIENTATION, 1)
    transparent = frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info
    grey = _flatten(frame) if transparent else frame.convert("L")
    scale = (grey.width * grey.height / OCR_PIXELS) ** 0.5
    if scale > 1:
        grey = grey.resize((max(1, round(grey.width / scale)), max(1, round(grey.height / scale))),
                           Image.Resampling.LANCZOS)
    turn = UPRIGHT.get(orientation)
    return grey.transpose(turn) if turn is not None else grey


def _flatten(image: Image.Image) -> Image.Image:
    """An image with transparency on white, greyscale: transparent pixels read as paper, not as ink."""
    rgba = image.convert("RGBA")
    paper = Image.new("RGBA", rgba.size, "white")
    return Image.alpha_composite(paper, rgba).convert("L")
