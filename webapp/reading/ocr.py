"""The OCR engine: RapidOCR running PaddleOCR's PP-OCRv6 models (ONNX), which come inside the `rapidocr` wheel.

One engine per process, made on first use and shared by its threads (one reading at a time, spread over both cores:
detection by onnxruntime's own threads, recognition by reading the page's lines in two lanes, see `TwoLanes`).
The models are named by path, so nothing is ever fetched at run time.
A photo taken sideways or upside down is read again turned a quarter, three quarters or half a turn, and the
reading with the most confident text wins."""
import ctypes
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy
from PIL import Image

Run = tuple[tuple[float, float, float, float], str, float]  # (left, top, right, bottom) in fractions, text, confidence

THREADS = 2  # onnxruntime threads for detection; recognition's are shared out between its lanes
LANES = 2  # recognition lanes (TwoLanes); 1: one session with all the threads
DETECTION_SIDE = 960  # larger pages are shrunk to this for finding the text (not for reading it)
REC_BATCH = 1  # lines read at once: 6 (the default) is about 12% faster but peaked at 642 MB against 435 MB
MODELS = {"Det": "PP-OCRv6_det_small.onnx", "Rec": "PP-OCRv6_rec_small.onnx", "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx"}
UPRIGHT_CONFIDENCE = 0.85  # a reading whose mean confidence is below this may be of a turned page
QUARTER_TURNS = (Image.Transpose.ROTATE_270, Image.Transpose.ROTATE_90)  # text standing up: the photo is sideways

try:
    _libc = ctypes.CDLL("libc.so.6")  # glibc (Debian); elsewhere nothing to trim
    _libc.malloc_trim
except (OSError, AttributeError):
    _libc = None
_making = threading.Lock()
_reading = threading.Lock()
_engine = None


def read(image: Image.Image) -> tuple[list[Run], Image.Transpose | None]:
    """The text runs on a greyscale page, in the frame of the page turned upright, and the turn that made it
    upright (None when it already was), so boxes can be brought back to the page as it is shown."""
    runs = recognise(image)
    if not runs or (_lying(runs) and _confident(runs)):
        return runs, None  # nothing detected: turning finds nothing either (detection doesn't depend on the turn)
    turns = QUARTER_TURNS if not _lying(runs) else (Image.Transpose.ROTATE_180,)
    best, best_turn = runs, None
    for turn in turns:
        turned = recognise(image.transpose(turn))
        if _score(turned) > _score(best):
            best, best_turn = turned, turn
        if best_turn is not None and _confident(best):
            break
    return best, best_turn


def recognise(image: Image.Image) -> list[Run]:
    """One pass of the engine over an image, boxes in fractions of its width and height."""
    pixels = numpy.asarray(image.convert("RGB"))
    engine = _get_engine()
    with _reading:
        result = engine(pixels)
        del pixels
        _give_back_memory()
    width, height = image.size
    runs = []
    for corners, text, score in zip(result.boxes if result.boxes is not None else (), result.txts or (),
                                    result.scores or ()):
        xs, ys = [point[0] for point in corners], [point[1] for point in corners]
        if text.strip():
            runs.append(((max(0.0, float(min(xs)) / width), max(0.0, float(min(ys)) / height),
                          min(1.0, float(max(xs)) / width), min(1.0, float(max(ys)) / height)),
                         text.strip(), float(score)))
    return runs


def _give_back_memory() -> None:
    """Hand the freed working memory of a pass back to the system: without it glibc keeps the fragments and the
    worker grew by about 2 MB a receipt (416 MB after 10 receipts, 497 MB after 40; 227 MB with it)."""
    if _libc is not None:
        _libc.malloc_trim(0)


def _lying(runs: list[Run]) -> bool:
    """Most text in boxes wider than tall: the lines run across the page (upright or upside down)."""
    return 2 * sum(1 for (left, top, right, bottom), _, _ in runs if right - left >= bottom - top) > len(runs)


def _confident(runs: list[Run]) -> bool:
    """Upside-down text is still found, but read with little confidence."""
    return sum(score for _, _, score in runs) / len(runs) >= UPRIGHT_CONFIDENCE


def _score(runs: list[Run]) -> float:
    return sum(score * len(text) for _, text, score in runs if score >= 0.5)


def load() -> None:
    """Load the engine now rather than on the first photo (a reading worker does this as it starts)."""
    _get_engine()


def _get_engine():
    global _engine
    with _making:
        if _engine is None:
            _engine = _make_engine()
        return _engine


def _make_engine():
    import rapidocr
    from rapidocr import RapidOCR

    models = Path(rapidocr.__file__).parent / "models"
    params = {f"{part}.model_path": str(models / name) for part, name in MODELS.items()}
    with _without_memory_patterns():
        engine = RapidOCR(params=params | {
            "Global.log_level": "error",
            "Global.use_cls": False,  # whole-page turns are handled above; per-line checks only add time
            "Global.max_side_len": 4000,  # images.OCR_PIXELS already bounds the size; keep long receipts' width
            "Det.limit_type": "max",  # never enlarge a small scan for detection (the default does, at 4x the cost)
            "Det.limit_side_len": DETECTION_SIDE,
            "Rec.rec_batch_num": REC_BATCH,
            "EngineConfig.onnxruntime.intra_op_num_threads": THREADS,  # detection's; recognition's are set below
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": False,  # memory goes back to the system after a page
        })
        engine._load_det_model()  # rapidocr loads its models on first use: load them now
        if LANES > 1:  # each part's session takes the engine settings as they are when it loads
            engine.cfg.EngineConfig.onnxruntime.intra_op_num_threads = max(1, THREADS // LANES)
            engine.text_rec = TwoLanes(engine._load_rec_model(), LANES)
        else:
            engine._load_rec_model()
    return engine


class TwoLanes:
    """Recognition of a page's lines in parallel lanes, one onnxruntime thread each, the longest lines shared out
    first so the lanes end together. One session over both cores waits for its slowest thread at every layer of
    every line, and loses most when web requests or another worker take a core for a moment (bench/README.md,
    "OCR engine": `docket` against `docket-one-lane`)."""

    def __init__(self, recognise, lanes: int):
        self.recognise = recognise
        self.lanes = lanes
        self.others = ThreadPoolExecutor(lanes - 1, thread_name_prefix="ocr-lane")

    def __call__(self, request):
        lines = request.img
        if isinstance(lines, numpy.ndarray) or len(lines) < 2 * self.lanes:
            return self.recognise(request)
        lanes = self._share(lines)
        read = lambda lane: self.recognise(type(request)(img=[lines[i] for i in lane],
                                                          return_word_box=request.return_word_box))
        others = [self.others.submit(read, lane) for lane in lanes[1:]]
        outputs = [read(lanes[0])] + [other.result() for other in others]
        texts, scores, words = [None] * len(lines), [0.0] * len(lines), [None] * len(lines)
        for lane, output in zip(lanes, outputs):
            for place, index in enumerate(lane):
                texts[index], scores[index] = output.txts[place], output.scores[place]
                words[index] = output.word_results[place]
        return replace(outputs[0], imgs=lines, txts=tuple(texts), scores=tuple(scores), word_results=tuple(words),
                       elapse=max(output.elapse for output in outputs))

    def _share(self, lines) -> list[list[int]]:
        """Each line to the lane with the least work so far, longest first (work grows with a line's width)."""
        widths = [line.shape[1] / max(1, line.shape[0]) for line in lines]
        lanes, work = [[] for _ in range(self.lanes)], [0.0] * self.lanes
        for index in sorted(range(len(lines)), key=widths.__getitem__, reverse=True):
            lane = work.index(min(work))
            lanes[lane].append(index)
            work[lane] += widths[index]
        return lanes


@contextmanager
def _without_memory_patterns():
    """onnxruntime keeps a memory plan for every input shape it has seen; with text lines of every width that
    grew the worker by about 250 MB over a dozen receipts. rapidocr has no setting for it: its session options
    are made in one function, wrapped here while the engine and its models are loaded."""
    from rapidocr.inference_engine.onnxruntime import main as runtime

    sessions = getattr(runtime, "OrtInferSession", None)
    make_options = getattr(sessions, "_init_sess_opts", None)
    if make_options is None:  # another rapidocr: more memory, same text
        yield
        return

    def options(cfg):
        made = make_options(cfg)
        made.enable_mem_pattern = False
        return made

    sessions._init_sess_opts = staticmethod(options)
    try:
        yield
    finally:
        sessions._init_sess_opts = staticmethod(make_options)
