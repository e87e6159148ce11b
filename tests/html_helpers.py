"""Read back the HTML that barenet's ``_repr_html_`` methods write, with the standard library's parser.

Tests check what a display says (its rows, cells, highlighted rows, headings), not only that
some HTML came out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Row:
    cells: list[str]
    kind: str = ""  # the row's bn-<kind> class: "bad", "warn", "note", "total" or ""


@dataclass
class Table:
    caption: str = ""
    head: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    def column(self, name: str) -> list[str]:
        i = self.head.index(name)
        return [r.cells[i] for r in self.rows]


class _Reader(HTMLParser):
    TEXT_TAGS = ("td", "th", "caption", "p", "h3", "h4", "h5", "li", "pre")

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[Table] = []
        self.texts: list[tuple[str, str, str]] = []  # (tag, bn-kind, text) outside tables
        self._open: list[tuple[str, str]] = []  # text-holding tags being read, with their kinds
        self._buf: list[str] = []
        self._row: Row | None = None
        self._all_th = True

    def handle_starttag(self, tag, attrs):
        kind = next((c[3:] for c in (dict(attrs).get("class") or "").split() if c.startswith("bn-")), "")
        if tag == "table":
            self.tables.append(Table())
        elif tag == "tr":
            self._row, self._all_th = Row([], kind), True
        elif tag in self.TEXT_TAGS and not self._open:
            self._open.append((tag, kind))
            self._buf = []

    def handle_data(self, data):
        self._buf.append(data)

    def handle_endtag(self, tag):
        if tag == "tr" and self._row is not None:
            table = self.tables[-1]
            if self._all_th and not table.head:
                table.head = self._row.cells
            else:
                table.rows.append(self._row)
            self._row = None
        elif self._open and self._open[-1][0] == tag:
            _, kind = self._open.pop()
            text = " ".join("".join(self._buf).split())
            if tag in ("td", "th") and self._row is not None:
                self._all_th &= tag == "th"
                self._row.cells.append(text)
            elif tag == "caption":
                self.tables[-1].caption = text
            else:
                self.texts.append((tag, kind, text))


def read(html: str) -> _Reader:
    """Parse ``html``: ``.tables`` (caption, head, rows with kinds) and ``.texts`` (headings, paragraphs)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader
