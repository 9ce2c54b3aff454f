"""PDF -> HTML -> qa.htmldoc's title, text and blocks, like a reStructuredText file.

pdfminer.six (pure Python, MIT) finds the text lines of each page, with their positions and fonts;
this module decides what a reader would: which lines make a paragraph, which are headings, list
items or code, and which are page furniture. Then the HTML reader does the rest, so citation
offsets refer to the text `GET /api/documents/{id}` serves, as for HTML.

- A paragraph ends where the next line stands apart (more space above it than between the lines
  of a paragraph), is indented (a paragraph's first line, as TeX sets them), opens with a list
  marker, or changes size or typeface. A paragraph cut by a page break is joined again.
- A heading is a short paragraph set larger than the body text (its level by size), or a lone
  bold line of body size; its words make the section path, and one ending with "?" asks an FAQ
  question, as in any page.
- Lines set in a monospaced font alone are code: cited with the paragraph that introduces them,
  never an answer, as `<pre>` is.
- Running headers and footers (a line at the top or bottom of most pages, page numbers counted
  as alike) and page numbers are dropped, as are a table of contents' dotted lines.
- A word hyphenated at a line's end is joined when the joined word is one the document or the
  model's vocabulary knows ("man-" "agement"), else keeps its hyphen ("co-" "led"); ligatures
  ("ﬁ") are spelled out. A PDF without a text layer (a scan) is refused with a word about OCR.
"""

from __future__ import annotations

import html
import io
import logging
import re
from collections import Counter
from dataclasses import dataclass, field

from qa import htmldoc
from qa.corpus import Block
from qa.errors import CorpusError

EDGE = 0.12  # running headers and footers lie within this share of the page's height from its top or bottom
RUNNING = 0.5  # ... and recur on at least this share of the pages (and on two at least)
APART = 0.5  # ... and stand apart from the text, more than this many of their heights away
MARGIN = 0.06  # small print (SMALL_PRINT of the body size) this near the edge is furniture on any page,
SMALL_PRINT = 0.9  # recurring or not: a browser's date, title, address and page number on a one-page print
HEADING_SIZE = 1.15  # a heading is set at least this much larger than the body text
HEADING_CHARS = 200
BOLD_HEADING_CHARS = 100
TERM_CHARS = 40  # a definition list's term in a monospaced font, at most
PROBE_WORDS = 6  # words of a page's first line that find where the page begins in the text
PARAGRAPH_GAP = 0.6  # more space than this many line heights above a line starts a paragraph
INDENT = 0.8  # a line indented by this many ems more than the one before starts a paragraph
MAX_LEVEL = 6
GUTTER = 1.2  # ems: two pieces of text on one height closer than this are one printed line
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_CID = re.compile(r"\(cid:\d+\)")  # a glyph pdfminer could not map to a character
_BULLET = re.compile(r"^\s*(?:[•◦▪▫‣⁃∙·●○■□►▶➢✓✔*–—-]|\(?(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,5})[.)])\s+")
_PAGE_NUMBER = re.compile(r"^\W*(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:/|of)\s*\d{1,4})?\W*$", re.I)
_TOC_LINE = re.compile(r"(?:\.\s?){4,}\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*$", re.I)  # "Introduction . . . . 1"
_NUMBERS = re.compile(r"^(?:[A-Z]?\d{1,3}(?:\.\d{1,3})*\.?\s*)+$")  # "3.1 3.2 3.3": a TOC's section numbers
_BOLD = re.compile(r"bold|black|heavy|semibold|demi|[-+,]bd\b|cmbx|\bbx", re.I)
_MONO = re.compile(r"mono|courier|cour\b|cmtt|sftt|typewriter|consol|menlo|inconsolata|\bcode\b|fixed", re.I)
_SENTENCE_END = re.compile(r"[.!?:;。！？]['\"’”)\]]*$")
_HYPHENATED = re.compile(r"(\w+)[-\u00ad\u2010]$")
_WORD = re.compile(r"[^\W\d_]+")


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

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)


@dataclass
class Para:
    kind: str  # "p", "li", "pre", or "h1".."h6"
    lines: list[Line] = field(default_factory=list)

    @property
    def first(self) -> Line:
        return self.lines[0]

    @property
    def last(self) -> Line:
        return self.lines[-1]


def convert(data: bytes, default_title: str, vocabulary: frozenset[str] | None = None
            ) -> tuple[str, str, list[Block], tuple[int, ...]]:
    """(title, document text, blocks, pages) of a PDF file's bytes: `pages` holds where each page
    begins in the text (page n at pages[n - 1]; a page whose text is not found, or that has none,
    begins where the one before it does). `vocabulary`: words known to exist (lower case), for
    joining words hyphenated at a line's end (default: pyspellchecker's English dictionary,
    qa.spelling.english_words, and the document's own words)."""
    if vocabulary is None:
        from qa.spelling import english_words

        vocabulary = english_words()
    pages, meta_title = read(data)
    page, firsts = to_html(pages, meta_title, default_title, vocabulary)
    title, text, blocks = htmldoc.convert(page, default_title)
    return title, text, blocks, page_starts(text, firsts, len(pages))


def page_starts(text: str, firsts: dict[int, str], n_pages: int) -> tuple[int, ...]:
    """Where each page begins in the served text: its first line's words, found in order (a word
    hyphenated across the page break is found inside the joined word)."""
    out, pos = [], 0
    for n in range(1, n_pages + 1):
        words = _BULLET.sub("", firsts.get(n, ""), count=1).split()[:PROBE_WORDS]
        m = re.compile(r"\s+".join(map(re.escape, words))).search(text, pos) if words else None
        if m:
            pos = m.start()
        out.append(pos)
    return tuple(out)


def read(data: bytes) -> tuple[list[tuple[float, list[Line]]], str]:
    """Each page's height and text lines, in pdfminer's reading order, and the title the file's
    metadata gives (or "")."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTTextBox, LTTextLine
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser, PDFSyntaxError
    from pdfminer.psparser import PSException

    logging.getLogger("pdfminer").setLevel(logging.CRITICAL)  # its notes on a file's internals: nothing to act on
    try:
        meta_title = info_title(PDFDocument(PDFParser(io.BytesIO(data))))
        pages = []
        for n, page in enumerate(extract_pages(io.BytesIO(data), laparams=LAParams()), 1):
            lines = []
            for box in page:
                if not isinstance(box, LTTextBox):
                    continue
                for line in box:
                    if isinstance(line, LTTextLine):
                        chars = [c for c in line if isinstance(c, LTChar) and c.get_text().strip()]
                        text = _CID.sub("", line.get_text()).translate(_LIGATURES).strip()
                        if not chars or not text:
                            continue
                        sizes = Counter(round(c.size, 1) for c in chars)
                        lines.append(Line(n, line.x0, line.x1, line.y0, line.y1, text, sizes.most_common(1)[0][0],
                                          all(_BOLD.search(c.fontname) for c in chars),
                                          all(_MONO.search(c.fontname) for c in chars)))
            pages.append((page.height, lines))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise CorpusError("it is encrypted (password-protected); save a copy without a password to index it") from None
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AttributeError, IndexError) as e:
        raise CorpusError(f"it is not a readable PDF ({type(e).__name__}: {e})") from None
    if not any(lines for _, lines in pages):
        raise CorpusError("it has no text layer (a scanned document?): qa reads a PDF's text, it does not "
                          "recognise images of text; run it through OCR first (e.g. ocrmypdf)")
    return pages, meta_title


def info_title(doc) -> str:
    """The Title of the document information dictionary, unless it is a placeholder ("untitled",
    "Microsoft Word - report.docx")."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    for info in doc.info or []:
        title = resolve1(info.get("Title"))
        if isinstance(title, bytes):
            title = decode_text(title)
        if isinstance(title, str):
            title = " ".join(title.split())
            if title and not re.search(r"^(untitled|microsoft \w+ - )|\.(docx?|odt|pdf|tex|dvi|html?|rtf)$", title, re.I):
                return title
    return ""


def furniture(pages: list[tuple[float, list[Line]]]) -> set[int]:
    """ids of the lines that are page furniture: within EDGE of a page's top or bottom, standing
    apart from the text (APART), and a page number, or recurring there on
    RUNNING of the pages: as text (digits aside) or at the same height ("Chapter 2: …" on even
    pages, "2.1 Naming" on odd ones), or small print in the page's margin (MARGIN)."""
    def edge(line: Line, height: float) -> str | None:
        return "top" if line.y0 >= height * (1 - EDGE) else "bottom" if line.y1 <= height * EDGE else None

    def apart(line: Line, lines: list[Line], where: str) -> bool:
        if where == "top":
            inner = [line.y0 - o.y1 for o in lines if o.y1 <= line.y0 + 0.5 * line.height and o is not line
                     and o.y0 < line.y0 - 0.5 * line.height]
        else:
            inner = [o.y0 - line.y1 for o in lines if o.y0 >= line.y1 - 0.5 * line.height and o is not line
                     and o.y1 > line.y1 + 0.5 * line.height]
        return not inner or min(inner) > APART * line.height

    candidates, heights = [], []
    for height, lines in pages:
        for line in lines:
            where = edge(line, height)
            if where and apart(line, lines, where):
                heights.append(height)
                candidates.append((line, (where, re.sub(r"\d+", "#", " ".join(line.text.lower().split()))),
                                   (where, round(line.y0 / 2), round(line.size))))
    small = SMALL_PRINT * body_size([line for _, lines in pages for line in lines])
    by_text = Counter({(line.page, t) for line, t, _ in candidates})
    by_place = Counter({(line.page, p) for line, _, p in candidates})
    texts, places = Counter(t for _, t in by_text), Counter(p for _, p in by_place)
    need = max(2, RUNNING * len(pages))
    return {id(line) for (line, t, p), height in zip(candidates, heights)
            if _PAGE_NUMBER.match(line.text) or texts[t] >= need or places[p] >= need
            or line.size < small and (line.y0 >= height * (1 - MARGIN) or line.y1 <= height * MARGIN)}


def physical_lines(lines: list[Line]) -> list[Line]:
    """Pieces of one printed line that pdfminer put in separate boxes (a wide gap in justified text,
    a word in another font) joined again, in the place of the first piece; a column's gutter
    (wider than GUTTER ems) keeps columns apart."""
    out, taken = [], set()
    for i, line in enumerate(lines):
        if id(line) in taken:
            continue
        while True:
            nxt = next((o for o in lines[i + 1:] if id(o) not in taken and abs(o.y0 - line.y0) < 0.3 * line.height
                        and 0 <= o.x0 - line.x1 <= GUTTER * line.size and o.mono == line.mono), None)
            if nxt is None:
                break
            taken.add(id(nxt))
            line = Line(line.page, line.x0, nxt.x1, min(line.y0, nxt.y0), max(line.y1, nxt.y1),
                        f"{line.text} {nxt.text}", line.size, line.bold and nxt.bold, line.mono)
        out.append(line)
    return out


def body_size(lines: list[Line]) -> float:
    """The size most of the text is set in (weighted by characters)."""
    sizes = Counter()
    for line in lines:
        sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def paragraphs(lines: list[Line], body: float) -> list[Para]:
    """Lines, in reading order, grouped into paragraphs (kind "p", "li" or "pre"; headings later)."""
    out: list[Para] = []
    for line in lines:
        prev = out[-1].last if out else None
        bullet = bool(_BULLET.match(line.text)) and not line.mono
        kind = "pre" if line.mono else "li" if bullet else "p"
        if prev is None or bullet or starts_paragraph(prev, line, out[-1]):
            out.append(Para(kind, [line]))
        else:
            out[-1].lines.append(line)
    return out


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
    """A paragraph the page break cut ("… the" / "company …") joined again."""
    out: list[Para] = []
    for para in paras:
        prev = out[-1] if out else None
        if prev is not None and para.first.page == prev.last.page + 1 and para.kind in ("p", "pre") \
                and prev.kind in ("p", "li", "pre") and (para.kind == "pre") == (prev.kind == "pre") \
                and abs(para.first.size - prev.last.size) <= 0.1 * prev.last.size \
                and (not _SENTENCE_END.search(prev.last.text) or para.first.text[:1].islower()):
            prev.lines.extend(para.lines)
        else:
            out.append(para)
    return out


def headings(paras: list[Para], body: float) -> None:
    """Marks the headings: short paragraphs set larger than the body (level by size), then lone
    bold lines of body size (the next level)."""
    def text(p: Para) -> str:
        return " ".join(line.text for line in p.lines)

    big = [p for p in paras if p.kind == "p" and p.first.size >= HEADING_SIZE * body and len(p.lines) <= 3
           and len(text(p)) <= HEADING_CHARS]
    levels = sorted({round(p.first.size * 2) / 2 for p in big}, reverse=True)[:MAX_LEVEL - 1]
    for p in big:
        size = round(p.first.size * 2) / 2
        p.kind = f"h{levels.index(size) + 1 if size in levels else len(levels)}"
    bold_level = min(len(levels) + 1, MAX_LEVEL)
    for p in paras:
        t = text(p)
        if p.kind == "p" and len(p.lines) == 1 and p.first.bold and len(t) <= BOLD_HEADING_CHARS \
                and not re.search(r"[.,;:]$", t) and abs(p.first.size - body) <= 0.1 * body:
            p.kind = f"h{bold_level}"
    # a definition list's term in a monospaced font ("query", then "dump the inputs …" indented
    # under it) heads its definition, as an HTML <dt> does; not a line of code
    for p, nxt in zip(paras, paras[1:]):
        if p.kind == "pre" and len(p.lines) == 1 and len(text(p)) <= TERM_CHARS and nxt.kind in ("p", "li") \
                and nxt.first.page == p.first.page and nxt.first.x0 - p.first.x0 > INDENT * nxt.first.size:
            p.kind = f"h{min(bold_level + 1, MAX_LEVEL)}"


def joined(lines: list[Line], vocabulary: frozenset[str]) -> str:
    """A paragraph's lines as one line of text: a word hyphenated at a line's end joined when the
    joined word is known, else with its hyphen kept."""
    out = ""
    for line in lines:
        t = line.text
        m = _HYPHENATED.search(out)
        if m and t[:1].islower():
            rest = _WORD.match(t)
            whole = (m.group(1) + rest.group(0)).lower() if rest else ""
            out = out[:m.end(1)] + ("" if whole in vocabulary else "-") + t
        else:
            out = f"{out} {t}" if out else t
    return out


def to_html(pages: list[tuple[float, list[Line]]], meta_title: str, default_title: str,
            vocabulary: frozenset[str] = frozenset()) -> tuple[str, dict[int, str]]:
    """The pages as an HTML page, and the text of each page's first line (by page number) after
    furniture is dropped."""
    dropped = furniture(pages)
    lines = []
    for _, page in pages:
        toc = any(_TOC_LINE.search(line.text) for line in page)
        lines += physical_lines([line for line in page if id(line) not in dropped and not _TOC_LINE.search(line.text)
                                 and not (toc and _NUMBERS.match(line.text))])
    body = body_size(lines)
    paras = paragraphs(lines, body)
    headings(paras, body)
    paras = join_pages(paras)
    firsts: dict[int, str] = {}
    for line in lines:
        firsts.setdefault(line.page, line.text)
    words = vocabulary | {w.lower() for line in lines for w in _WORD.findall(line.text)}
    title = meta_title or next((" ".join(line.text for line in p.lines) for p in paras if p.kind == "h1"), "") \
        or default_title
    parts, in_list = [f"<!doctype html><html><head><title>{html.escape(title)}</title></head><body>"], False
    for p in paras:
        if (p.kind == "li") != in_list:
            parts.append("<ul>" if p.kind == "li" else "</ul>")
            in_list = p.kind == "li"
        if p.kind == "pre":
            parts.append(f"<pre>{html.escape(chr(10).join(line.text for line in p.lines))}</pre>")
        else:
            text = joined(p.lines, words)
            if p.kind == "li":
                text = _BULLET.sub("", text, count=1) if re.match(r"\s*[•◦▪▫‣⁃∙·●○■□►▶➢✓✔]", text) else text
            parts.append(f"<{p.kind}>{html.escape(text)}</{p.kind}>")
    if in_list:
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts), firsts
