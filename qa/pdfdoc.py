"""PDF -> HTML -> qa.htmldoc's title, text and blocks, like a reStructuredText file.

pdfminer.six (pure Python, MIT) finds the text lines of each page, with their positions and fonts;
this module decides what a reader would: which lines make a paragraph, which are headings, list
items, definition lists or code, and which are page furniture. Then the HTML reader does the rest,
so citation offsets refer to the text `GET /api/documents/{id}` serves, as for HTML.

- A paragraph ends where the next line stands apart (more space above it than between the lines
  of a paragraph), is indented (a paragraph's first line, as TeX sets them), starts a list item,
  or changes size or typeface. A paragraph cut by a page or column break is joined again.
- A list item starts at a bullet, or at a dash, star, number or letter where an item can start
  (after an item, a sentence's end or an introduction, or set apart): not at a wrapped line of
  prose that opens "J. Smith" or "- sometimes".
- A heading is a short paragraph of words set larger than the body text (its level by size), or a
  lone bold line of body size, never a table's cells; its words make the section path, and one
  ending with "?" asks an FAQ question, as in any page.
- Lines set in a monospaced font alone are code: cited with the paragraph that introduces them,
  never an answer, as `<pre>` is; a short monospaced term with its definition indented beside or
  under it is a definition list's entry, the term heading its definition only.
- Page furniture is dropped (furniture): running headers and footers, page numbers, small print
  in the margin, a table of contents' dotted lines.
- A word hyphenated at a line's end is joined when the joined word is known (an English word or
  the document's own: "man-" "agement"), else keeps its hyphen ("co-" "led"); ligatures ("ﬁ") are
  spelled out. Glyphs without a character and text set sideways are left out, with a warning; a
  page turned for display is read as set. A PDF without text (a scan) is refused with a word
  about OCR.
- Where each page begins in the text is kept (page_starts), for citations' page numbers.
"""

from __future__ import annotations

import bisect
import html
import io
import logging
import re
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from qa import htmldoc
from qa.corpus import PLACEHOLDER_TITLE, Block
from qa.errors import CorpusError

EDGE = 0.12  # running headers and footers lie within this share of the page's height from its top or bottom
RUNNING = 0.5  # ... and recur on at least this share of the pages (and on two at least)
APART = 0.5  # ... and stand apart from the text, more than this many of their heights away
FAR = 1.5  # ... a line this many heights from the text may recur with other digits, or say anything at one height
HEADER_SIZE = 1.05  # ... unless it is set larger than the body text (times this): then it recurs word for word
MARGIN = 0.06  # small print (SMALL_PRINT of the body size) this near the edge is furniture on any page,
SMALL_PRINT = 0.9  # recurring or not: a browser's date, title, address and page number on a one-page print
HEADING_SIZE = 1.15  # a heading is set at least this much larger than the body text
HEADING_CHARS = 200
BOLD_HEADING_CHARS = 100
TERM_CHARS = 40  # a definition list's term in a monospaced font, at most, a line
TERM_LINES = 3  # and lines, when each names an option ("-p" over "--portability")
DEFINITION_INDENT = 2.0  # ems: a definition is indented under its term by more than this (TeX indents a paragraph ~1.5)
PROBE_WORDS = 6  # words of a line that find where it is in the text (qa.pdfdoc.page_starts)
PROBE_REACH = 20000  # characters ahead of the line before it that a line is looked for in
COLUMN = 8  # ems: a paragraph that goes on higher up and this far to the right goes on in the next column
PARAGRAPH_GAP = 0.6  # more space than this many line heights above a line starts a paragraph
INDENT = 0.8  # a line indented by this many ems more than the one before starts a paragraph
MAX_LEVEL = 6
GUTTER = 1.2  # ems: two pieces of text on one height closer than this are one printed line
MONO_WIDTH = 0.6  # ems: a monospaced font's character when a block gives nothing to measure (Courier's)
CELL_CHARS = 40  # pieces at one height, all at most this long, are a table's row: never a heading,
ROW_CELLS = 3  # and with this many, never joined to a paragraph in the next column (two may be two columns' last lines)
ROW_GAP = 3.0  # heights: rows of cells this close one under the other make a table (tables)
TABLE_ROWS = 3  # ... of at least this many rows when it has two columns (with three or more, two rows do)
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_CID = re.compile(r"\(cid:\d+\)")  # a glyph pdfminer could not map to a character
_BULLET = re.compile(r"^\s*(?:[•◦▪▫‣⁃∙·●○■□►▶➢✓✔*–—-]|\d{1,3}[.)]|[a-zA-Z][.)]|\(?(?:[a-zA-Z]|[ivxIVX]{1,5})\))\s+")
_LETTER_ITEM = re.compile(r"^\s*\(?([a-zA-Z])[.)]\s+")  # a lettered item: in order from "a", or not one
_GLYPH_BULLET = re.compile(r"^\s*[•◦▪▫‣⁃∙·●○■□►▶➢✓✔]\s+")  # a marker only: no text, never anything else
_PAGE_NUMBER = re.compile(r"^[-–—|•·\s]*(?:(?i:page|p\.|seite)\s*)?(?:\d{1,3}|[ivxlc]{1,6})"
                          r"(?:\s*(?:/|(?i:of|von))\s*\d{1,4})?[-–—|•·\s]*$")  # "3", "- 3 -", "Page 3 of 8", "iv"
_TOC_LINE = re.compile(r"(?:\.\s?){4,}\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*$", re.I)  # "Introduction . . . . 1"
_NUMBERS = re.compile(r"^(?:[A-Z]?\d{1,3}(?:\.\d{1,3})*\.?\s*)+$")  # "3.1 3.2 3.3": a TOC's section numbers
_BOLD = re.compile(r"bold|black|heavy|semibold|demi|[-+,]bd\b|cmbx|\bbx", re.I)
_MONO = re.compile(r"mono|courier|cour\b|cmtt|sftt|typewriter|consol|menlo|inconsolata|\bcode\b|fixed", re.I)
_SENTENCE_END = re.compile(r"[.!?:;。！？]['\"’”)\]]*$")
_HYPHENATED = re.compile(r"(\w+)[-\u00ad\u2010]$")
_WORD = re.compile(r"[^\W\d_]+")
_HEADING_WORD = re.compile(r"[^\W\d_]{2,}")  # a heading says something in words
_OPTION = re.compile(r"-{1,2}\w|/\w")  # a command's option: "-p", "--portability", "/Q"


@dataclass
class Line:
    page: int
    x0: float
    x1: float
    y0: float
    y1: float
    text: str
    size: float
    bold: bool
    mono: bool
    row: int = 0  # how many short pieces set apart share its height (itself too): 2 or more, a table's cells
    table: tuple[tuple[str, ...], ...] = ()  # a whole table in one (tables): its rows' cells, column by column
    header: bool = False  # ... whose first row names the columns

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)


@dataclass
class Para:
    kind: str  # "p", "li", "pre", "dt" (a definition list's term), "table", or "h1".."h6"
    lines: list[Line] = field(default_factory=list)

    @property
    def first(self) -> Line:
        return self.lines[0]

    @property
    def last(self) -> Line:
        return self.lines[-1]


def convert(data: bytes, default_title: str, vocabulary: frozenset[str] | None = None,
            warn: Callable[[str], None] | None = None) -> tuple[str, str, list[Block], tuple[int, ...]]:
    """(title, document text, blocks, pages) of a PDF file's bytes: `pages` holds where each page
    begins in the text (page n at pages[n - 1]; a page whose text is not found, or that has none,
    begins where the next one does). `vocabulary`: words known to exist (lower case), for
    joining words hyphenated at a line's end (default: pyspellchecker's English dictionary,
    qa.spelling.english_words, and the document's own words). `warn`: told, in one line, of text
    left out (glyphs without a character, text set sideways)."""
    if vocabulary is None:
        from qa.spelling import english_words

        vocabulary = english_words()
    pages, meta_title, lost = read(data)
    if warn and lost["unmapped"]:
        warn(f"{lost['unmapped']} of its characters could not be read (a font without a Unicode map) and are left "
             "out; its text may be incomplete")
    if warn and lost["rotated"]:
        warn(f"{lost['rotated']} characters of text set sideways or upside down are left out")
    page, lines = to_html(pages, meta_title, default_title, vocabulary)
    title, text, blocks = htmldoc.convert(page, default_title)
    return title, text, blocks, page_starts(text, lines, len(pages))


def page_starts(text: str, lines: list[Line], n_pages: int) -> tuple[int, ...]:
    """Where each page begins in the served text. Every line is looked for in turn, each after the
    one before it (so that a short line, "the device.", is not found in an earlier page's text):
    its first words, without a bullet or a word hyphenated at its end; a word hyphenated across
    the page break is found inside the joined word."""
    firsts: dict[int, int] = {}
    pos = 0
    for line in lines:
        words = _GLYPH_BULLET.sub("", line.text, count=1).split()[:PROBE_WORDS]
        if words and _HYPHENATED.search(words[-1]):
            words = words[:-1]
        m = re.compile(r"\s+".join(map(re.escape, words))).search(text, pos, pos + PROBE_REACH) if words else None
        if m:
            pos = m.end()
            firsts.setdefault(line.page, m.start())
    # a page with no text found (blank, a figure, furniture alone) begins where the next one does,
    # so that no offset is counted on it; one after the last text, at the end
    out, at = [], len(text)
    for n in range(n_pages, 0, -1):
        at = min(at, firsts.get(n, at))
        out.append(at)
    out.reverse()
    if out:  # the first page begins the text, whatever comes before its first line found (a title)
        out[0] = 0
    return tuple(out)


def read(data: bytes) -> tuple[list[tuple[float, list[Line]]], str, Counter]:
    """Each page's height and text lines, in pdfminer's reading order, the title the file's
    metadata gives (or ""), and how many characters were left out: "unmapped" (glyphs without a
    character) and "rotated" (not set upright). A page turned for display (/Rotate) is read as its
    text was set."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser, PDFSyntaxError
    from pdfminer.psparser import PSException

    logging.getLogger("pdfminer").setLevel(logging.CRITICAL)  # its notes on a file's internals: nothing to act on
    lost: Counter = Counter()
    try:
        doc = PDFDocument(PDFParser(io.BytesIO(data)))
        meta_title = info_title(doc)
        manager = PDFResourceManager()
        device = PDFPageAggregator(manager, laparams=LAParams())
        interpreter = PDFPageInterpreter(manager, device)
        pages = []
        for n, page in enumerate(PDFPage.create_pages(doc), 1):
            page.rotate = 0
            interpreter.process_page(page)
            layout = device.get_result()
            pages.append((layout.height, page_lines(n, layout, lost)))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise CorpusError("it is encrypted (password-protected); save a copy without a password to index it") from None
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
            EOFError, zlib.error) as e:
        raise CorpusError(f"it is not a readable PDF ({type(e).__name__}: {str(e)[:200]})") from None
    if not pages:
        raise CorpusError("it has no pages")
    read_chars = sum(len(line.text) for _, lines in pages for line in lines)
    if lost["unmapped"] > read_chars:
        raise CorpusError(f"{lost['unmapped']} of its characters could not be read: its fonts do not say which "
                          "letters their glyphs are (no Unicode map); export it again, or run it through OCR")
    if not read_chars:
        raise CorpusError("no text could be read from it: a scanned document (images of text) needs OCR first "
                          "(e.g. ocrmypdf); a damaged one, repairing (e.g. qpdf)")
    return pages, meta_title, lost


def page_lines(n: int, layout, lost: Counter) -> list[Line]:
    """The text lines of page `n` (pdfminer's layout), with their size and typeface; a glyph without
    a character ("(cid:12)") or a character not set upright is counted in `lost` and left out."""
    from pdfminer.layout import LTChar, LTTextBox, LTTextLine

    lines = []
    for box in layout:
        if not isinstance(box, LTTextBox):
            continue
        for line in box:
            if not isinstance(line, LTTextLine):
                continue
            parts, chars = [], []
            for c in line:
                t = c.get_text()
                if isinstance(c, LTChar):
                    if _CID.fullmatch(t):
                        lost["unmapped"] += 1
                        continue
                    if not c.upright and t.strip():
                        lost["rotated"] += 1
                        continue
                    if t.strip():
                        chars.append(c)
                parts.append(t)
            mono = bool(chars) and all(_MONO.search(c.fontname) for c in chars)
            text = "".join(parts).translate(_LIGATURES)
            # code keeps the spaces that line up its columns; prose has its white space folded
            text = text.strip() if mono else " ".join(text.split())
            if not chars or not text:
                continue
            sizes = Counter(round(c.size, 1) for c in chars)
            lines.append(Line(n, line.x0, line.x1, line.y0, line.y1, text, sizes.most_common(1)[0][0],
                              all(_BOLD.search(c.fontname) for c in chars), mono))
    return lines


def info_title(doc) -> str:
    """The Title of the document information dictionary, unless it is a placeholder ("untitled",
    "Microsoft Word - report.docx")."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    for info in doc.info or []:
        if not isinstance(info, dict):
            continue
        title = resolve1(info.get("Title"))
        if isinstance(title, bytes):  # PDF 2.0 allows UTF-8 with its byte-order mark
            title = title[3:].decode("utf-8", "replace") if title.startswith(b"\xef\xbb\xbf") else decode_text(title)
        if isinstance(title, str):
            title = " ".join(title.split())
            if title and not PLACEHOLDER_TITLE.search(title):
                return title
    return ""


def furniture(pages: list[tuple[float, list[Line]]]) -> set[int]:
    """ids of the lines that are page furniture: within EDGE of a page's top or bottom, standing
    apart from the text (APART of their height), and one of: a page number; text recurring word
    for word there on RUNNING of the pages; a line of body size at the same height on RUNNING of
    the pages whose words recur on another page ("Chapter 2: …" over its pages) or that stands
    well apart (FAR: a paragraph's first line stands about one line height from the next: a running
    section name that changes every page); text recurring with other digits ("Draft 3") as far
    apart; or small print (not code) in the margin. The first line of every page, "Release note 7:
    …", says something else each time and stands near its text; a slide's title, set larger,
    says something else each time."""
    body = body_size([line for _, lines in pages for line in lines])
    candidates = []
    for height, lines in pages:
        for line, where, gap in edge_lines(lines, height):
            words = " ".join(line.text.lower().split())
            # set larger than the text, a line recurs as furniture word for word only: a slide's
            # or an FAQ page's title stands at the same height on every page, far from its text
            far = gap is not None and gap > FAR * line.height and line.size <= HEADER_SIZE * body
            size = round(line.size)  # a page's big title is not the header in small print that repeats it
            candidates.append((line, height, far, (where, size, words), (where, size, re.sub(r"\d+", "#", words)),
                               (where, round(line.y0 / 2), size)))
    seen = [Counter({(c[0].page, c[k]) for c in candidates}) for k in (3, 4, 5)]
    exact, digits, places = (Counter(key for _, key in s_) for s_ in seen)
    need = max(2, RUNNING * len(pages))
    small = SMALL_PRINT * body
    out = set()
    for line, height, far, t, d, p in candidates:
        if _PAGE_NUMBER.match(line.text) or exact[t] >= need or far and digits[d] >= need \
                or places[p] >= need and (far or exact[t] >= 2 and line.size <= HEADER_SIZE * body) \
                or line.size < small and not line.mono and (line.y0 >= height * (1 - MARGIN) or line.y1 <= height * MARGIN):
            out.add(id(line))
    return out


def edge_lines(lines: list[Line], height: float) -> list[tuple[Line, str, float | None]]:
    """The lines within EDGE of the page's top or bottom that stand apart from the text nearer the
    middle (more than APART of their height away), with the edge they are at and how far the text
    is (None: there is none)."""
    by_top = sorted(lines, key=lambda o: o.y1)  # for the nearest line below one at the top
    tops = [o.y1 for o in by_top]
    by_bottom = sorted(lines, key=lambda o: o.y0)  # for the nearest line above one at the bottom
    bottoms = [o.y0 for o in by_bottom]
    out = []
    for line in lines:
        half = 0.5 * line.height
        if line.y0 >= height * (1 - EDGE):
            i = bisect.bisect_right(tops, line.y0 + half)
            near = next((line.y0 - o.y1 for o in reversed(by_top[:i]) if o is not line and o.y0 < line.y0 - half), None)
            where = "top"
        elif line.y1 <= height * EDGE:
            i = bisect.bisect_left(bottoms, line.y1 - half)
            near = next((o.y0 - line.y1 for o in by_bottom[i:] if o is not line and o.y1 > line.y1 + half), None)
            where = "bottom"
        else:
            continue
        if near is None or near > APART * line.height:
            out.append((line, where, near))
    return out


def physical_lines(lines: list[Line]) -> list[Line]:
    """Pieces of one printed line that pdfminer put in separate boxes (a wide gap in justified text,
    a word in another font) joined again, in the place of the first piece; a column's gutter or a
    table's cells (farther apart than GUTTER ems) stay apart, and short pieces side by side are
    counted as a row's cells (`row`)."""
    order = sorted(range(len(lines)), key=lambda i: lines[i].y0)
    ys = [lines[i].y0 for i in order]
    taken: set[int] = set()
    out = []

    def beside(line: Line, after: int) -> list[int]:  # lines at its height, later in reading order
        lo, hi = bisect.bisect_left(ys, line.y0 - 0.3 * line.height), bisect.bisect_right(ys, line.y0 + 0.3 * line.height)
        return sorted(j for j in order[lo:hi] if j > after and j not in taken)

    for i, line in enumerate(lines):
        if i in taken:
            continue
        while True:
            nxt = next((j for j in beside(line, i) if 0 <= lines[j].x0 - line.x1 <= GUTTER * line.size
                        and lines[j].mono == line.mono), None)
            if nxt is None:
                break
            taken.add(nxt)
            o = lines[nxt]
            line = Line(line.page, line.x0, o.x1, min(line.y0, o.y0), max(line.y1, o.y1), f"{line.text} {o.text}",
                        line.size, line.bold and o.bold, line.mono)
        out.append(line)
    # a line that shares its height with another piece (a cell beside it) is part of a row
    ys2 = sorted((o.y0, k) for k, o in enumerate(out))
    keys = [y for y, _ in ys2]
    for k, o in enumerate(out):
        lo, hi = bisect.bisect_left(keys, o.y0 - 0.3 * o.height), bisect.bisect_right(keys, o.y0 + 0.3 * o.height)
        beside = [out[j] for _, j in ys2[lo:hi]]
        # cells are short; a heading beside a column's line of prose is not a row
        if len(beside) > 1 and all(len(b.text) <= CELL_CHARS for b in beside):
            o.row = len(beside)
    return out


def tables(lines: list[Line]) -> list[Line]:
    """A page's table (rows of short cells side by side, `row`, one under the other, no more than
    ROW_GAP heights apart) in one Line at the place of its first cell, the rest of its cells left
    out: read as a table (<table>), its first row the column names when it is set bold and the
    rows under it are not, so that each row reads with them ("Plan: Pro | Price: $49 a month")
    as an HTML table's do. Each row's cells are placed by the columns of the row with the most
    cells (a cell set right, or a column left empty in one row, stays in its column); rows that
    do not fit them (two cells in one column) are left as they were, lines. A table needs two
    columns and three rows, or three columns and two rows. pdfminer often gives a table's cells
    column by column ("-c -o -h" then "checks … output file …"): the table puts each row
    together again. Not seen: a cell wrapped onto a second line (that line stands alone at its
    height) ends the table there."""
    ys = sorted((o.y0, k) for k, o in enumerate(lines) if o.row >= 2)
    rows: list[list[int]] = []
    for y, k in ys:  # cells at one height (within a third of a line's height) are a row
        if rows and y - lines[rows[-1][0]].y0 <= 0.3 * lines[k].height:
            rows[-1].append(k)
        else:
            rows.append([k])
    rows = [sorted(r, key=lambda k: lines[k].x0) for r in reversed(rows) if len(r) >= 2]  # top down, left to right
    cells = {k for r in rows for k in r}
    others = [o for k, o in enumerate(lines) if k not in cells]

    def next_row(a: list[int], b: list[int]) -> bool:
        """Row b right under row a, and nothing else between them across their width: a page's
        sidebar of short links beside short lines of the text is no table, and a line between
        the rows (a cell's second line, a caption) ends one."""
        top, bottom = lines[a[0]], lines[b[0]]
        if top.y0 - bottom.y0 > ROW_GAP * bottom.height:
            return False
        x0, x1 = min(lines[k].x0 for k in a + b), max(lines[k].x1 for k in a + b)
        return not any(bottom.y1 < o.y1 and o.y0 < top.y0 and o.x0 < x1 and o.x1 > x0 for o in others)

    out = list(lines)
    i = 0
    while i < len(rows):
        j = i + 1
        while j < len(rows) and next_row(rows[j - 1], rows[j]):
            j += 1
        group, i = rows[i:j], j
        grid = columns(lines, group)
        if grid is None or not (len(grid[0]) >= 3 and len(grid) >= 2 or len(grid[0]) == 2 and len(grid) >= TABLE_ROWS) \
                or runs_on(lines, group, others):
            continue
        first = min(k for r in group for k in r)  # in reading order, the table's first piece
        header = all(lines[k].bold for k in group[0]) and not all(lines[k].bold for r in group[1:] for k in r)
        o = lines[first]
        out[first] = Line(o.page, min(lines[k].x0 for r in group for k in r), max(lines[k].x1 for r in group for k in r),
                          min(lines[k].y0 for k in group[-1]), max(lines[k].y1 for k in group[0]),
                          lines[group[0][0]].text, o.size, False, False, o.row, grid, header)
        for r in group:
            for k in r:
                if k != first:
                    out[k] = None
    return [o for o in out if o is not None]


def runs_on(lines: list[Line], group: list[list[int]], others: list[Line]) -> bool:
    """Whether one of the rows' columns goes on above or below them in lines of its own, two or
    more one under the other: a sidebar's links, or a column of text, beside which some short
    lines happened to stand (a heading or a caption over a table is one line)."""
    widest = max(group, key=len)
    starts = [lines[k].x0 for k in widest] + [float("inf")]
    for c in range(len(widest)):
        lo, hi = starts[c] - lines[widest[c]].size, starts[c + 1]
        inside = [o for o in others if lo <= o.x0 and o.x1 <= hi]
        for edge, step in ((lines[group[0][0]], 1), (lines[group[-1][0]], -1)):
            run, at = 0, edge
            while True:  # the nearest line of the column above (step 1) or below (step -1), in reach
                near = [o for o in inside if 0 < step * (o.y0 - at.y0) <= ROW_GAP * at.height]
                if not near:
                    break
                at = min(near, key=lambda o: abs(o.y0 - at.y0))
                run += 1
                if run >= 2:
                    return True
    return False


def columns(lines: list[Line], group: list[list[int]]) -> tuple[tuple[str, ...], ...] | None:
    """The rows' cells placed in the columns of the row with the most cells (each cell in the
    column whose span holds its middle), or None when two cells of a row fall in one column."""
    widest = max(group, key=len)
    starts = [lines[k].x0 for k in widest]
    out = []
    for r in group:
        row = [""] * len(starts)
        for k in r:
            middle = (lines[k].x0 + lines[k].x1) / 2
            col = max(bisect.bisect_right(starts, middle) - 1, 0)
            if row[col]:
                return None
            row[col] = lines[k].text
        out.append(tuple(row))
    return tuple(out)


def body_size(lines: list[Line]) -> float:
    """The size most of the text is set in (weighted by characters)."""
    sizes = Counter()
    for line in lines:
        sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def paragraphs(lines: list[Line]) -> list[Para]:
    """Lines, in reading order, grouped into paragraphs (kind "p", "li" or "pre"; headings later)."""
    out: list[Para] = []
    letter = ""  # the letter of the last lettered item ("A."): the next one must follow it
    for line in lines:
        if line.table:
            out.append(Para("table", [line]))
            continue
        prev = out[-1].last if out and out[-1].kind != "table" else None
        bullet = bool(_BULLET.match(line.text)) and not line.mono and starts_item(prev, line, out[-1] if out else None)
        if bullet and (m := _LETTER_ITEM.match(line.text)):  # "A. Use …", "B. List …"; not "J. Smith said …"
            bullet = m.group(1).lower() == "a" or (bool(out) and out[-1].kind == "li" and bool(letter)
                                                   and ord(m.group(1).lower()) == ord(letter) + 1)
            letter = m.group(1).lower() if bullet else letter
        kind = "pre" if line.mono else "li" if bullet else "p"
        if prev is None or bullet or starts_paragraph(prev, line, out[-1]):
            out.append(Para(kind, [line]))
        else:
            out[-1].lines.append(line)
    return out


def starts_item(prev: Line | None, line: Line, para: Para | None) -> bool:
    """A line opening with a bullet starts a list item; one opening with a marker that prose may
    open with too ("- sometimes", "2. The", "* ret_len") does after another item, after a line that
    ends a sentence or introduces ("… are:"), or set apart from the paragraph it would go on
    (indented past its lines, space above it, another page)."""
    if prev is None or para is None or para.kind == "li" or _GLYPH_BULLET.match(line.text) \
            or _SENTENCE_END.search(prev.text):
        return True
    left = min(o.x0 for o in para.lines)  # a paragraph's first line may be indented (TeX): its edge is its lines'
    return line.page != prev.page or line.x0 > left + 0.3 * line.size or prev.y0 - line.y1 > PARAGRAPH_GAP * prev.height


def starts_paragraph(prev: Line, line: Line, para: Para) -> bool:
    if line.page != prev.page:
        return True  # joined again by join_pages when it goes on
    if prev.mono != line.mono or prev.bold != line.bold and not line.mono:
        return True
    if abs(line.size - prev.size) > 0.1 * max(prev.size, line.size):
        return True
    if line.y1 > prev.y0 + 0.5 * prev.height:  # not below the one before: another column or a stray box
        return True
    if prev.y0 - line.y1 > PARAGRAPH_GAP * prev.height:
        return True
    if para.kind == "pre":
        return False
    if para.kind == "li":  # a list item's lines after its first are indented past its marker
        return line.x0 < para.first.x0 + 0.3 * line.size
    # TeX indents a paragraph's first line: the lines after it set the paragraph's left edge
    left = para.lines[1].x0 if len(para.lines) > 1 else para.first.x0
    return line.x0 - left > INDENT * line.size


def join_pages(paras: list[Para]) -> list[Para]:
    """A paragraph the page or column break cut ("… the" / "company …") joined again: it goes on at
    the top of the next page, or higher up in a column to the right."""
    out: list[Para] = []
    for para in paras:
        prev = out[-1] if out else None
        column = prev is not None and next_column(prev.last, para.first)
        if prev is not None and (para.first.page == prev.last.page + 1 or column) \
                and prev.last.row < ROW_CELLS and para.first.row < ROW_CELLS \
                and ((not column and prev.kind != "li") or para.first.text[:1].islower()) \
                and para.kind in ("p", "pre") \
                and prev.kind in ("p", "li", "pre") and (para.kind == "pre") == (prev.kind == "pre") \
                and abs(para.first.size - prev.last.size) <= 0.1 * prev.last.size \
                and (not _SENTENCE_END.search(prev.last.text) or para.first.text[:1].islower()):
            prev.lines.extend(para.lines)
        else:
            out.append(para)
    return out


def next_column(last: Line, first: Line) -> bool:
    return first.page == last.page and first.y0 > last.y0 + 0.5 * last.height and first.x0 > last.x0 + COLUMN * last.size


def headings(paras: list[Para], body: float) -> None:
    """Marks the headings: short paragraphs set larger than the body (level by size), then lone
    bold lines of body size (the next level)."""
    def text(p: Para) -> str:
        return " ".join(line.text for line in p.lines)

    def worded(p: Para) -> bool:  # "$49" or a drop cap "T" set large is not a heading; a table's cells are not
        return bool(_HEADING_WORD.search(text(p))) and not any(line.row for line in p.lines)

    big = [p for p in paras if p.kind == "p" and p.first.size >= HEADING_SIZE * body and len(p.lines) <= 3
           and len(text(p)) <= HEADING_CHARS and worded(p)]
    levels = sorted({round(p.first.size * 2) / 2 for p in big}, reverse=True)[:MAX_LEVEL - 1]
    for p in big:
        size = round(p.first.size * 2) / 2
        p.kind = f"h{levels.index(size) + 1 if size in levels else len(levels)}"
    bold_level = min(len(levels) + 1, MAX_LEVEL)
    for p in paras:
        t = text(p)
        if p.kind == "p" and len(p.lines) == 1 and p.first.bold and len(t) <= BOLD_HEADING_CHARS \
                and not re.search(r"[.,;:]$", t) and abs(p.first.size - body) <= 0.1 * body and worded(p):
            p.kind = f"h{bold_level}"
    # a definition list's term in a monospaced font ("query", or "-p" over "--portability"), its
    # definition indented beside or under it, is a <dt> (to_html gives it its <dd>): it heads its
    # definition, as in an HTML page; not lines of code
    for p, nxt in zip(paras, paras[1:]):
        if p.kind == "pre" and all(len(line.text) <= TERM_CHARS for line in p.lines) and worded(p) \
                and (len(p.lines) == 1 or len(p.lines) <= TERM_LINES and all(_OPTION.match(line.text) for line in p.lines)) \
                and nxt.kind in ("p", "li") and nxt.first.page == p.first.page and defines(p, nxt):
            p.kind = "dt"


def defines(term: Para, para: Para) -> bool:
    """`para` is indented under (or beside) `term` by more than a paragraph's first line is (TeX):
    part of its definition."""
    return para.first.x0 - term.first.x0 > DEFINITION_INDENT * para.first.size


def code(p: Para) -> str:
    """A code block's lines, each indented by as many spaces as its offset from the block's left
    edge holds characters of its font: their width measured on the block's lines (every character
    of a monospaced font is as wide), else MONO_WIDTH."""
    widths = sorted((line.x1 - line.x0) / len(line.text) for line in p.lines if len(line.text) >= 4)
    width = widths[len(widths) // 2] if widths else MONO_WIDTH * p.first.size
    left = min(line.x0 for line in p.lines)
    return "\n".join(" " * round((line.x0 - left) / width) + line.text for line in p.lines)


def joined(lines: list[Line], vocabulary: frozenset[str]) -> str:
    """A paragraph's lines as one line of text: a word hyphenated at a line's end joined when the
    joined word is known, else with its hyphen kept (and no space after it)."""
    out = ""
    for line in lines:
        t = line.text
        m = _HYPHENATED.search(out)
        if m and t[:1].isalpha():  # "man-" "agement", "ELE-" "MENT"; "co-" "led" and "Anglo-" "Saxon" keep theirs
            rest = _WORD.match(t)
            whole = (m.group(1) + rest.group(0)).lower() if rest else ""
            out = out[:m.end(1)] + ("" if whole in vocabulary else "-") + t
        else:
            out = f"{out} {t}" if out else t
    return out


def to_html(pages: list[tuple[float, list[Line]]], meta_title: str, default_title: str,
            vocabulary: frozenset[str] = frozenset()) -> tuple[str, list[Line]]:
    """The pages as an HTML page, and their lines in the order the page gives them (furniture
    dropped)."""
    dropped = furniture(pages)
    lines = []
    for _, page in pages:
        toc = any(_TOC_LINE.search(line.text) for line in page)
        lines += tables(physical_lines([line for line in page if id(line) not in dropped and not _TOC_LINE.search(line.text)
                                        and not (toc and _NUMBERS.match(line.text))]))
    body = body_size(lines)
    paras = paragraphs(lines)
    headings(paras, body)
    paras = join_pages(paras)
    words = vocabulary | {w.lower() for line in lines for w in _WORD.findall(line.text)}
    title = meta_title or next((" ".join(line.text for line in p.lines) for p in paras if p.kind == "h1"), "") \
        or default_title
    parts, in_list = [f"<!doctype html><html><head><title>{html.escape(title)}</title></head><body>"], False
    term: Para | None = None  # the <dt> whose <dd> is open
    for p in paras:
        if term is not None and (p.kind == "dt" or p.kind.startswith("h") or not defines(term, p)):
            parts.append("</ul></dd></dl>" if in_list else "</dd></dl>")
            term, in_list = None, False
        if (p.kind == "li") != in_list:
            parts.append("<ul>" if p.kind == "li" else "</ul>")
            in_list = p.kind == "li"
        if p.kind == "dt":
            parts.append(f"<dl><dt>{html.escape(' '.join(line.text for line in p.lines))}</dt><dd>")
            term = p
        elif p.kind == "pre":
            parts.append(f"<pre>{html.escape(code(p))}</pre>")
        elif p.kind == "table":
            rows = [(("th" if i == 0 and p.first.header else "td"), row) for i, row in enumerate(p.first.table)]
            parts.append("<table>" + "".join("<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in row) + "</tr>"
                                             for tag, row in rows) + "</table>")
        else:
            text = joined(p.lines, words)
            if p.kind == "li":  # a bullet is no text; an ordered list's number, a dash or a star may be ("* ret_len")
                text = _GLYPH_BULLET.sub("", text, count=1)
            parts.append(f"<{p.kind}>{html.escape(text)}</{p.kind}>")
    if in_list:
        parts.append("</ul>")
    if term is not None:
        parts.append("</dd></dl>")
    parts.append("</body></html>")
    return "\n".join(parts), [line for p in paras for line in p.lines]
