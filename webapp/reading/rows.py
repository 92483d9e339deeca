"""A document's lines as the field finders read them: numbered, with text letters spaced out one by one joined up."""
from dataclasses import dataclass

from webapp.reading.model import Found, Line


@dataclass(frozen=True)
class Row:
    index: int
    text: str  # the line's text, letters spaced out one by one ("T  o  t  a  l") joined up ("Total")
    line: Line


def rows_of(lines: tuple[Line, ...]) -> list[Row]:
    return [Row(index, _joined(line.text), line) for index, line in enumerate(lines)]


def _joined(text: str) -> str:
    """Some PDFs place every character on its own, so a text layer reads "T  o  t  a  l  :  $  1  0"; the spaces
    between words are lost either way, so join the characters up."""
    tokens = text.split()
    if len(tokens) >= 4 and sum(len(token) == 1 for token in tokens) >= 0.8 * len(tokens):
        return "".join(tokens)
    return text


def field_at(value, confidence: float, row: Row) -> Found:
    """A field read from `row`: OCR's confidence in the line scales the reading's own (capped below certainty)."""
    return Found(value, round(min(0.99, confidence) * row.line.confidence, 2), row.line.box)
