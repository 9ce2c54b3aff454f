"""Read documents into passages and sentences with exact character offsets.

Every offset refers to `Document.text`; for .md and .txt files that is the file's own text,
so `file_text[p.start:p.end] == p.text` holds for every passage and sentence.
Markdown is parsed with markdown-it-py (block structure and line maps), sentences are split
with pysbd; offsets are then found in the source text itself, so typographic quotes, dashes,
`$13B`-style tokens and non-ASCII text never shift them.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from qa.alternates import is_alternates_file
from qa.errors import CorpusError

MARKDOWN_SUFFIXES = (".md", ".markdown")
TEXT_SUFFIXES = (*MARKDOWN_SUFFIXES, ".txt")  # offsets are into the file itself
FAQ_SUFFIXES = (".jsonl", ".csv")  # offsets are into the text GET /api/documents/{id} serves
HTML_SUFFIXES = (".html", ".htm")  # converted too: offsets are into the plain-text rendering
RST_SUFFIXES = (".rst", ".rest")  # converted to HTML by docutils, then as HTML
PDF_SUFFIXES = (".pdf",)  # binary: converted to HTML from their text lines (pdfminer.six), then as HTML
DOCX_SUFFIXES = (".docx",)  # binary: converted to HTML by mammoth, then as HTML
SUFFIXES = TEXT_SUFFIXES + FAQ_SUFFIXES + HTML_SUFFIXES + RST_SUFFIXES + PDF_SUFFIXES + DOCX_SUFFIXES
# a title a PDF's or Word document's properties give that names nothing: an authoring tool's default
PLACEHOLDER_TITLE = re.compile(r"^(untitled|\(anonymous\)|anonymous|document\d*|title|microsoft \w+ - .*)$"
                               r"|\.(docx?|odt|pdf|tex|dvi|html?|rtf)$", re.I)
# Markdown text without any of these has no inline markup (code, emphasis, links, images, HTML, entities)
INLINE_MARKUP = re.compile(r"[`*_\[\\]|<[A-Za-z/!?]|&#?\w+;")
MAX_PASSAGE_CHARS = 700  # longer paragraphs are cut into runs of whole sentences
# shorter paragraphs and list items join their neighbours (merge_short). Measured on the package
# READMEs of tests/eval/other (hit@1 / MRR@5 / false abstentions): no joining 0.627 / 0.698 / 5 of 67,
# 150 chars 0.642 / 0.714 / 5, 300 chars 0.687 / 0.750 / 3, 450 the same as 300; the article's
# paragraphs are all longer, so its passages did not change.
MIN_PASSAGE_CHARS = 300


@dataclass(frozen=True)
class Passage:
    id: str
    doc_id: str
    section: str  # heading path, "A > B"
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # absolute (start, end) offsets, in order
    question: str = ""  # the FAQ question when this passage is an FAQ answer
    phrasings: tuple[str, ...] = ()  # other ways to ask for it, curated in alternates files


# How documents are split into passages and sentences and what of them is embedded; an index made
# by another version is re-parsed (qa.build). 2: sentences run across line breaks inside a
# paragraph (unwrap); Markdown's inline markup is not embedded (qa.index.readable). 3: short
# paragraphs and list items join their neighbours (merge_short), so prose passage ids can change.
# 4: underlined headings in plain text (plain_blocks); no sentence end without a space after it.
# 5: the prose bodies of MyST/Sphinx directive fences ("```{note}") are read (qa.markdown).
# 6: a directive's label ("```{tab} Unix") joins the section path of the text inside it.
# 7: list items and CRLF line ends in the line-joining; list markers and CJK full stops in splitting.
# 8: a row of dashes after a paragraph's last line is a rule, not its heading; rules are not sentences.
# 9: lone CR line ends; sentences only from a joined block's own paragraphs (Block.parts), never
#    from code, tables or fences between them; nested list items; indented directives.
# 10: MyST colon fences (":::{note}"); a top-level directive label keeps the title in the path.
# 11: a long paragraph is not cut between a sentence and one that leans on it ("It ...").
# 12: HTML: a heading heads only its <section>/<article>; a table of contents is dropped.
# 13: text: paragraphs under no heading are in the section named by the title, as in Markdown and HTML.
# 14: a short paragraph that asks a question opens a passage (merge_short does not join it to the one before).
# 15: Markdown: a code block right after a paragraph that introduces it with a colon is part of its passage.
# 16: FAQ files: an entry whose id is "." or ".." (which no link can hold) gets a generated id.
# 17: HTML: a <dt> that asks nothing heads its <dd> as a subheading (section path), not a sentence.
# 18: ... unless it is inside an FAQ answer, long, without a <dd>, or nested deep; terms in a row head one <dd>.
# 19: ... and the term stays the first paragraph of its definition's passage (it names what the passage is about).
# 20: no sentence end after "eg." or "ie." (pysbd knows "e.g." and "i.e." only).
# 21: Markdown: the text of HTML blocks (a <details> entry's <summary> as its question heading).
# 22: FAQ files: JSONL keys in any case ("Question"), CSV with ";", tab or "|" between columns;
#     Markdown front matter after a byte-order mark.
# 23: HTML: a <header> inside an <article>/<section>/<main>/<aside> and an <aside> that is not mostly links are read.
# 24: HTML: a table row under a row of <th> reads with its column names ("Plan: Pro | Price: $49").
# 25: HTML: navigation bars without <nav> (class "header", "navheader", "breadcrumb", ...) dropped when
#     mostly links; plain text: a line of columns over dashes is a table header, not a heading.
# 26: HTML: <pre> is code, as in Markdown: never a sentence, cited with a paragraph that introduces it.
# 27: Markdown tables: each body row a sentence, the header row in the passage's text.
# 28: ... each body row embedded and matched by words with its column names ("Plan: Pro | Price: $49").
# 29: HTML: a <dl> of nothing but links into the page (DocBook) is a table of contents too, entry numbers
#     ("1.2.", "A") beside the links allowed; a box named "toc" or "contents" that is mostly links is dropped.
# 30: a Markdown table row is one sentence; its column names found in one pass over the document.
# 31: reStructuredText files (.rst) are read (docutils, then as HTML).
# 32: ... as Sphinx reads them (no subtitle promotion, code-block options, autodoc text; review).
# 33: HTML: paragraphs inside a table cell (docutils writes <td><p>) are part of their row.
# 34: HTML: a table's header row (all <th>) is served but never an answer, as in Markdown.
# 35: a Markdown table cell that only repeats its header is given once, as in HTML (qa.corpus.labelled).
# 36: PDF: a definition list's term in a monospaced font heads its definition (qa.pdfdoc.headings).
# 37: no sentence end after a standard's number ("the X.509 Certificate format": pysbd cut there).
# 38: PDF (review): furniture needs recurring text, list markers only where an item can start,
#     columns joined, rotated and unmapped glyphs left out, pages read as set, worded headings.
# 39: PDF: a capitalised word hyphenated at a line's end is joined too ("ELE-" "MENT").
# 40: PDF (second review): furniture rules by size and distance, blank pages, bullets vs prose markers, rows.
# 41: PDF: lettered items ("A.") where an item can start, code keeps its spaces, a term needs a word.
# 42: PDF: a monospaced term and its indented definition are a <dl> (the term heads its <dd> only).
# 43: PDF: a line recurring with other digits, or at one height, is furniture only when it stands far apart.
# 44: PDF (third review): slide titles kept, lettered items in order, option terms only, recurring chapter names.
# 45: PDF: code keeps its lines' indentation; a title is not the running header that repeats it in small print.
# 46: .docx: a paragraph style of the document's own with an outline level is a heading.
# 47: PDF: rows of short cells one under the other are a table (its rows put together, its bold first row names columns).
PARSER_VERSION = 47


@dataclass(frozen=True)
class Document:
    id: str  # path relative to the corpus folder, POSIX style
    path: Path
    title: str
    text: str
    passages: tuple[Passage, ...] = field(default=())
    sha256: str = ""  # of the file's own text: what decides whether the index is stale
    # its text's sentence splits, kept with the index so that re-parsing an edited document splits
    # only its new text (Splits): split_key(chunk) -> sentence offsets relative to the chunk, flat
    splits: Mapping[str, Sequence[int]] = field(default_factory=dict, compare=False, repr=False)
    pages: tuple[int, ...] = ()  # a PDF's: where each page begins in `text` (page n at pages[n - 1])


def file_sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def corpus_files(corpus: Path, skipped: list[str] | None = None, other: Counter | None = None,
                 index: Path | None = None) -> list[Path]:
    """The documents below `corpus`: files with a known suffix, not hidden, not inside the `index`
    folder (`--corpus . --index idx`). A file whose name is not
    valid text (not UTF-8) or that is a link to somewhere outside the corpus folder is left out,
    with the reason appended to `skipped`: a corpus must not serve /etc/passwd through a symlink.
    `other` counts the files left out for their type, by suffix (".adoc", ".pdf", "" for none)."""
    if corpus.exists() and not corpus.is_dir():
        raise CorpusError(f"Corpus '{corpus}' is a file, not a folder. Pass --corpus DIR naming a folder.")
    if not corpus.is_dir():
        raise CorpusError(f"Corpus folder '{corpus}' does not exist. Create it or pass --corpus DIR.")
    root, files = corpus.resolve(), []
    inside = index.resolve() if index is not None else None
    skip = inside.relative_to(root).parts if inside is not None and inside.is_relative_to(root) and inside != root else None
    for p in sorted(corpus.rglob("*")):
        rel = p.relative_to(corpus)
        if skip is not None and rel.parts[:len(skip)] == skip:
            continue
        if p.is_symlink() and p.is_dir() and not any(part.startswith(".") for part in rel.parts):
            if skipped is not None:  # rglob does not go into it: say so rather than skip it silently
                skipped.append(f"'{p}': a link to a folder is not followed; move or copy the folder into the corpus")
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        if p.suffix.lower() not in SUFFIXES:
            if other is not None and p.is_file() and not is_alternates_file(p):  # that one is read, as phrasings
                other[p.suffix.lower()] += 1
            continue
        if not p.is_file():
            if skipped is not None and p.is_symlink():  # a link to nothing, or to itself (a loop)
                skipped.append(f"'{p}' is a link that leads to no file (broken, or a loop)")
            continue
        try:
            rel.as_posix().encode("utf-8")
        except UnicodeEncodeError:
            if skipped is not None:
                skipped.append(f"'{os.fsencode(p)!r}' has a name that is not UTF-8 text; rename it to index it")
            continue
        if not p.resolve().is_relative_to(root):
            if skipped is not None:
                skipped.append(f"'{p}' links to '{p.resolve()}', outside the corpus folder")
            continue
        files.append(p)
    if not files:
        raise CorpusError(f"Corpus folder '{corpus}' has no documents (.md, .txt, .html, .rst, .pdf, .docx, .jsonl, .csv). Add some or pass --corpus DIR.")
    return files


def leaf_path(path: Path) -> Path:
    """`path` absolute, its folders resolved but not the file itself: a document that is a link in
    the corpus is named by its own name, not by what it points to."""
    path = Path(os.path.abspath(path))
    return path.parent.resolve() / path.name


def read_text(path: Path) -> str:
    """A document's text (qa.encoding: UTF-8, UTF-16 with its byte-order mark, an HTML page in the
    character set it declares); anything else is the caller's one warning (CorpusError)."""
    from qa.encoding import decode

    try:
        raw = path.read_bytes()
    except OSError as e:
        raise CorpusError(f"Cannot read '{path}': {e.strerror or e}.") from None
    return decode(raw, str(path), path.suffix.lower() in HTML_SUFFIXES)


def load_corpus(corpus: Path, warn: Callable[[str], None] = print) -> list[Document]:
    """Every readable document below `corpus`; a file that cannot be read is skipped with a warning."""
    docs, skipped = [], []
    files = corpus_files(corpus, skipped)
    for reason in skipped:
        warn(f"warning: skipped {reason}.")
    for path in files:
        try:
            doc = load_document(path, path.relative_to(corpus).as_posix(), warn)
        except CorpusError as e:
            warn(f"warning: skipped {e}")
            continue
        except Exception as e:  # a parser's own failure on one odd file must not stop the rest (as qa.build.parse)
            warn(f"warning: skipped '{path}': it could not be parsed ({type(e).__name__}: {e}).")
            continue
        if not doc.passages:
            warn(f"warning: '{path}' has no text to index; skipped.")
            continue
        docs.append(doc)
    docs = unique_ids(docs, warn)
    if not docs:
        raise CorpusError(f"No document in '{corpus}' has text to index. Add .md, .txt, .html, .rst, .pdf, .docx, .jsonl or .csv files.")
    return docs


def convert_binary(path: Path, suffix: str, warn: Callable[[str], None]) -> tuple[str, str, list[Block], tuple[int, ...]]:
    """A PDF or Word document's (title, text, blocks, pages), through HTML (qa.pdfdoc, qa.docxdoc);
    a file that is not one is the caller's one warning (CorpusError), naming it; text left out of
    one that is read is warned about, naming it too."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CorpusError(f"Cannot read '{path}': {e.strerror or e}.") from None
    try:
        if suffix in PDF_SUFFIXES:
            from qa import pdfdoc  # pdfminer loads only when a PDF is read

            return pdfdoc.convert(data, humanize(path.stem), warn=lambda line: warn(f"warning: {path}: {line}."))
        from qa import docxdoc  # mammoth loads only when a Word document is read

        return docxdoc.convert(data, humanize(path.stem))
    except CorpusError as e:
        raise CorpusError(f"'{path}': {e}.") from None


def load_document(path: Path, doc_id: str, warn: Callable[[str], None] = print,
                  known: Mapping[str, Sequence[int]] | None = None) -> Document:
    """`known`: sentence splits of an earlier version of the document (Document.splits), reused for
    its text that has not changed."""
    sha, suffix = file_sha256(path), path.suffix.lower()
    binary = suffix in PDF_SUFFIXES + DOCX_SUFFIXES  # their text is what their conversion gives
    text, pages = "" if binary else read_text(path), ()
    if binary:
        title, text, blocks, pages = convert_binary(path, suffix, warn)
    elif suffix in FAQ_SUFFIXES:
        from qa import faqfile

        rows, problems = faqfile.parse(text, suffix)
        for problem in problems:
            warn(f"warning: {path}: {problem}")
        text, spans = faqfile.layout(rows)
        title = humanize(path.stem)
        blocks = [Block(s, e, (title, row.question), row.question, row.id) for row, s, e in spans]
    elif suffix in HTML_SUFFIXES:
        from qa import htmldoc  # local import, like markdown: the parser loads only when a page is read

        title, text, blocks = htmldoc.convert(text, default_title=humanize(path.stem))
    elif suffix in RST_SUFFIXES:
        from qa import rstdoc  # docutils loads only when a reStructuredText file is read

        title, text, blocks = rstdoc.convert(text, humanize(path.stem), lambda line: warn(f"warning: {path}: {line}"))
    elif suffix == ".txt":
        title = humanize(path.stem)
        blocks = plain_blocks(text, title)
    else:
        from qa import markdown  # local import keeps `qa ask` start-up free of parser imports

        title, blocks = markdown.blocks(text, default_title=humanize(path.stem))
    blocks = merge_short(text, blocks)
    passages, splits = [], Splits(known)
    for block in blocks:
        for p in block_passages(doc_id, text, block, splits):
            local = block.id or (slug(p.question) if p.question else f"p{len(passages) + 1}")
            passages.append(replace(p, id=block.id or f"{doc_id}#{local}"))
    return Document(id=doc_id, path=path, title=title, text=text, passages=tuple(passages), sha256=sha,
                    splits=splits.made, pages=pages)


def labelled(headers: Sequence[str], cells: Sequence[str]) -> str:
    """A table row read with its column names ("Plan: Pro | Price: $49"), as Markdown and HTML
    tables are: an empty cell left out, a cell that only repeats its header given once, a cell
    beyond the header's width unnamed."""
    named = [*headers, *[""] * max(0, len(cells) - len(headers))]
    return " | ".join(f"{h}: {c}" if h and h != c else c for h, c in zip(named, cells) if c)


def introduces(text: str) -> bool:
    """The text ends with a colon (a full-width one too): it introduces what follows ("add this line:")."""
    return text.rstrip().endswith((":", "："))


JOIN = re.compile(r"\s*(?:(?:[-*+>]|\d{1,3}[.)])[ \t]+)?")  # what may lie between two blocks that join


def asks(text: str) -> bool:
    """The text ends with a question mark, maybe inside closing quotes or brackets."""
    return text.rstrip(" \t\r\n\"'”’)»").endswith(("?", "？"))


def asking(text: str, block: Block) -> bool:
    """A short paragraph alone that asks a question: it opens a passage, and its answer joins it
    however long (block_passages then cuts the whole into runs of sentences, the question first)."""
    return not block.parts and block.end - block.start < MIN_PASSAGE_CHARS and asks(text[block.start:block.end])


def merge_short(text: str, blocks: list[Block]) -> list[Block]:
    """Consecutive blocks of one section join into one passage while one of them is shorter than
    MIN_PASSAGE_CHARS and the whole stays within MAX_PASSAGE_CHARS: READMEs and help pages say one
    thing in a lead-in line and a few list items or one-line paragraphs, which say little alone.
    Only blocks with nothing but space or a list/quote marker between them join (never across
    code, tables or headings); FAQ entries stay whole and apart. A paragraph that asks a question
    ("Q: Why is liblzma named so?") opens a passage: it joins what answers it, not what went before."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (prev is not None and min(prev.end - prev.start, b.end - b.start) < MIN_PASSAGE_CHARS and not prev.question
                and not b.question and not prev.id and not b.id and prev.headings == b.headings
                and (b.end - prev.start <= MAX_PASSAGE_CHARS or asking(text, prev)) and JOIN.fullmatch(text, prev.end, b.start)
                and not asking(text, b)):
            out[-1] = prev.joined(b)
        else:
            out.append(b)
    return out


def unique_ids(docs: list[Document], warn: Callable[[str], None] | None = None) -> list[Document]:
    """Passage ids are unique across the corpus: a repeat gets -2, -3, ... appended. Ids an FAQ
    file gives its entries are kept first (they are what users cite); one that repeats another
    entry's id is renamed with a warning."""
    def given(doc: Document, p: Passage) -> bool:
        return not p.id.startswith(f"{doc.id}#")

    doc_ids = {d.id for d in docs}  # an entry may not take a document's id: GET /api/documents/{id} finds both
    used: set[str] = set(doc_ids)
    for doc in docs:  # ids given by the files first, in corpus order
        for p in doc.passages:
            if given(doc, p) and p.id not in used:
                used.add(p.id)
    reserved, out = used - doc_ids, []
    reserved_first = set(used)  # ids given by FAQ files, and documents' ids: a generated id that meets one is
    # renamed with a warning; two generated ids alike ("### Why?" twice in a file) are numbered quietly
    for doc in docs:
        passages = []
        for p in doc.passages:
            pid, n = p.id, 1
            if given(doc, p) and p.id in reserved:
                reserved.discard(p.id)  # the first entry with this id keeps it
            else:
                while pid in used:
                    n += 1
                    pid = f"{p.id}-{n}"
                used.add(pid)
                if warn is not None and pid != p.id and (given(doc, p) or p.id in reserved_first):
                    if not given(doc, p):  # a generated id ("guide.md#p1") that an FAQ file gave its own entry
                        why = f"the passage id '{p.id}' is an FAQ entry's own id elsewhere; this passage"
                    elif p.id in doc_ids:
                        why = f"the id '{p.id}' is a document's id; this entry"
                    else:
                        why = f"the id '{p.id}' is used by another entry; this one"
                    warn(f"warning: {doc.id}: {why} is cited as '{pid}'.")
            passages.append(p if pid == p.id else replace(p, id=pid))
        out.append(replace(doc, passages=tuple(passages)))
    return out


@dataclass(frozen=True)
class Block:
    """A run of body text under one heading path; an FAQ answer when `question` is set."""

    start: int
    end: int
    headings: tuple[str, ...]
    question: str = ""
    id: str = ""  # an id the source gives the entry (FAQ files' `id` column)
    # when the block joins several (an FAQ answer's paragraphs, short paragraphs joined): their
    # spans. Sentences come from these only, never from the code, tables or fences between them.
    parts: tuple[tuple[int, int], ...] = ()

    def spans(self) -> tuple[tuple[int, int], ...]:
        return self.parts or ((self.start, self.end),)

    def joined(self, other: Block) -> Block:
        """This block running on to the end of `other`, keeping both's spans."""
        return replace(self, end=other.end, parts=self.spans() + other.spans())


_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)?")  # LF, CRLF or a lone CR (old Mac files)
_UNDERLINE = re.compile(r"[ \t]*([=\-~^*#+_])\1{2,}[ \t]*(?:\r\n?|\n)?")
_COLUMNS = re.compile(r"\S(?:[ ]*\t[ \t]*| {3,})\S")  # words set in columns: a tab or three spaces between


def plain_blocks(text: str, title: str = "") -> list[Block]:
    """Paragraphs of a plain-text file (runs of non-blank lines) under the headings it underlines
    the way READMEs and reStructuredText do ("Title" over a line of "=====" or "-----"; a line of
    the same character above it too is allowed). Underline characters take heading levels in the
    order they first appear. A heading that ends with "?" starts an FAQ entry, as in Markdown.
    Paragraphs under no heading are in the section `title` (as in Markdown and HTML)."""
    lines = [(m.start(), m.group()) for m in _LINE.finditer(text) if m.group()]
    levels: list[str] = []  # underline characters, outermost first
    path: list[tuple[int, str]] = []
    out: list[Block] = []
    para: list[tuple[int, int]] = []  # (start, end) of the current paragraph's lines

    def flush() -> None:
        if not para:
            return
        start, end = para[0][0], para[-1][1]
        headings = tuple(h for _, h in path) or ((title,) if title else ())
        question = path[-1][1] if path and path[-1][1].endswith("?") else ""
        if question and out and out[-1].question == question and out[-1].headings == headings:
            out[-1] = out[-1].joined(Block(start, end, headings, question))  # the answer goes on
        else:
            out.append(Block(start, end, headings, question))
        para.clear()

    i = 0
    while i < len(lines):
        start, line = lines[i]
        body = line.strip().lstrip("\ufeff").strip()  # a byte-order mark is not part of a heading
        under = _UNDERLINE.fullmatch(lines[i + 1][1]) if i + 1 < len(lines) else None
        # a title stands on its own line: the last line of a longer paragraph over a row of dashes
        # is a paragraph over a rule, not a heading
        # and, as reStructuredText has it, its underline is about as long as it; a line that ends
        # like a sentence over a short row of "===" is a sentence over a rule
        # and a line of columns ("phase   length   what is accepted" over dashes) heads a table, not a section
        if body and under and not para and not _UNDERLINE.fullmatch(line) and body[-1] not in ".,;" \
                and not _COLUMNS.search(body) and len(lines[i + 1][1].strip()) >= max(3, int(0.8 * len(body))):
            flush()
            char = under.group(1)
            if char not in levels:
                levels.append(char)
            level = levels.index(char)
            path = [(lv, h) for lv, h in path if lv < level] + [(level, body)]
            i += 2
            continue
        if not body or _UNDERLINE.fullmatch(line):  # a blank line, or the overline of a heading
            flush()
        else:
            lead = len(line) - len(line.lstrip())
            para.append((start + lead, start + len(line.rstrip())))
        i += 1
    flush()
    return out


# a table row as a Markdown table's body gives it (qa.markdown.Walk.table): one line between bars
_TABLE_ROW = re.compile(r"\|[^\r\n]*\|")


def block_passages(doc_id: str, text: str, block: Block, splits: Splits | None = None) -> list[Passage]:
    # a table row is one sentence, whatever full stops its cells hold: it is read with its column names
    sentences = [s for start, end in block.spans()
                 for s in ([(start, end)] if _TABLE_ROW.fullmatch(text, start, end) else
                           split_sentences(text, start, end, splits))]
    if not sentences:
        return []
    section = " > ".join(block.headings)
    runs = [sentences] if block.question else sentence_runs(sentences, text)
    # the last run ends where the block does: a command a paragraph introduces ("Run this:") is cited
    ends = [run[-1][1] for run in runs[:-1]] + [max(runs[-1][-1][1], block.end)]
    return [Passage("", doc_id, section, run[0][0], end, text[run[0][0]:end], tuple(run), block.question)
            for run, end in zip(runs, ends)]


# A sentence that opens like this leans on the one before ("The warranty question comes up often.
# It lasts five years."): a long paragraph is not cut between the two if it can be cut earlier.
LEANS = re.compile(r"(?:it|its|this|that|these|those|they|their|such|so|but|however|also|then|there)\b", re.I)


def sentence_runs(sentences: list[tuple[int, int]], text: str = "") -> list[list[tuple[int, int]]]:
    """Cut a long paragraph into runs of whole sentences of at most MAX_PASSAGE_CHARS, one sentence
    early when the next one opens by leaning on the last (so that the two stay together)."""
    runs: list[list[tuple[int, int]]] = [[]]
    for s in sentences:
        run = runs[-1]
        if run and s[1] - run[0][0] > MAX_PASSAGE_CHARS:
            if len(run) > 1 and text and LEANS.match(text, s[0]) and s[1] - run[-1][0] <= MAX_PASSAGE_CHARS:
                runs[-1], run = run[:-1], [run[-1]]
            else:
                run = []
            runs.append(run)
        runs[-1].append(s)
    return runs


_segmenter = None


SPLIT_WINDOW = 4000  # pysbd's time grows with the square of a run without sentence ends: feed it pieces


class Splits:
    """Sentence splits by the text split: those of an earlier parse (`known`, reused) and those of
    this one (`made`, kept with the index). What split_sentences makes of text[start:end] depends on
    that text alone, so a chunk met before is not given to pysbd again: re-parsing an edited file
    splits only its edited paragraphs (pysbd is most of the time of parsing)."""

    def __init__(self, known: Mapping[str, Sequence[int]] | None = None):
        self.known = known or {}
        self.made: dict[str, Sequence[int]] = {}

    def split(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        key = split_key(text[start:end])
        rel = self.known.get(key)
        if not usable_split(rel, end - start):  # new text, or a kept split that cannot be this text's
            spans = _split(text, start, end)
            rel = [o - start for span in spans for o in span]
        self.made[key] = rel
        return [(start + rel[i], start + rel[i + 1]) for i in range(0, len(rel), 2)]


def usable_split(rel: object, length: int) -> bool:
    """Whether a kept split can be one of a text of `length` characters: a flat list of whole numbers,
    pairs of start < end, in order, none overlapping, all within the text (a hand-edited or damaged
    splits.json is split again, never believed)."""
    if not isinstance(rel, (list, tuple)) or len(rel) % 2 or any(type(o) is not int for o in rel):
        return False
    last = 0
    for i in range(0, len(rel), 2):
        if not last <= rel[i] < rel[i + 1] <= length:
            return False
        last = rel[i + 1]
    return True


def split_key(chunk: str) -> str:
    return hashlib.blake2b(chunk.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def split_sentences(text: str, start: int, end: int, splits: Splits | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end], as absolute offsets with surrounding space trimmed.

    A split with no space between the two pieces ("~/.ssh", "1:7.1p1") is not a sentence end and
    is undone. Text longer than SPLIT_WINDOW is split in windows that end after a full stop (or at
    a space) so that a megabyte without punctuation takes seconds, not hours. With `splits`, a
    text split before is not split again (Splits)."""
    return splits.split(text, start, end) if splits is not None else _split(text, start, end)


def _split(text: str, start: int, end: int) -> list[tuple[int, int]]:
    global _segmenter
    if _segmenter is None:
        import pysbd

        _segmenter = pysbd.Segmenter(language="en", clean=False)
    chunk = unwrap(text[start:end]).replace("![", " [")  # an image's "!" does not end a sentence
    spans: list[tuple[int, int]] = []
    for w0, w1 in windows(chunk):
        window, pos = chunk[w0:w1], 0
        for piece in _segmenter.segment(window):
            piece = piece.strip().lstrip("\ufeff").strip()  # a byte-order mark is not text
            if not piece:
                continue
            at = window.find(piece, pos)
            if at < 0:  # the splitter altered the text: fall back to the rest of the window
                rest = window[pos:].strip()
                if rest:
                    at = window.index(rest, pos)
                    spans.append((start + w0 + at, start + w0 + at + len(rest)))
                break
            spans.append((start + w0 + at, start + w0 + at + len(piece)))
            pos = at + len(piece)
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and merged[-1][1] == s and text[s - 1] in ".?!:":  # "~/.ssh", "1:7.1p1": one sentence
            merged[-1] = (merged[-1][0], e)  # (not after "。": Chinese and Japanese put no space there)
        elif merged and _ABBREVIATION.search(text, merged[-1][0], merged[-1][1]) \
                and not _BLANK.search(text, merged[-1][1], s):  # "…, eg. combining …": one sentence
            merged[-1] = (merged[-1][0], e)
        elif merged and _DOTTED_NUMBER.search(text, merged[-1][0], merged[-1][1]) \
                and not _BLANK.search(text, merged[-1][1], s):  # "the X.509 Certificate format"
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    out = []
    for s, e in merged:  # a list item's marker is not part of its sentence
        m = _MARKER.match(text, s, e)
        if m and m.end() < e:
            s = m.end()
        if _ORNAMENT.fullmatch(text, s, e):  # a rule or underline ("-----", "***") says nothing
            continue
        out.append((s, e))
    return out


def windows(chunk: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    while len(chunk) - pos > SPLIT_WINDOW:
        limit = pos + SPLIT_WINDOW
        cut = max(chunk.rfind(". ", pos, limit), chunk.rfind("? ", pos, limit), chunk.rfind("! ", pos, limit))
        cut = cut + 1 if cut > pos else chunk.rfind(" ", pos, limit)
        cut = cut if cut > pos else limit
        out.append((pos, cut))
        pos = cut
    out.append((pos, len(chunk)))
    return out


# a line break inside a paragraph (LF or CRLF), unless a blank line or a list item follows it
_WRAP = re.compile(r"(?<![ \t\r\n])[ \t]*+(?:\r\n?|\n)[ \t]*(?![\r\n \t]*[\r\n]|[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t])")
_MARKER = re.compile(r"(?:[-*+]|\d{1,3}[.)])[ \t]+")
# ends a piece: "eg.", "ie." (no sentence ends there), "Eg." opening one; not "IE." (Internet Explorer)
_ABBREVIATION = re.compile(r"(?<![\w.])[eE]g\.$|(?<![\w.])[iI]e\.$")
_BLANK = re.compile(r"(?:\r\n|\r|\n)[ \t]*(?:\r\n|\r|\n)")  # a blank line, whatever the line ends
# ends a piece that pysbd cut after a standard's number ("the X.680 ", "X.509 ") before a capital:
# no sentence ends there, it has no full stop of its own
_DOTTED_NUMBER = re.compile(r"(?<![\w.])[A-Za-z]{1,4}\.\d+$")
_ORNAMENT = re.compile(r"[\W_]*")


def unwrap(chunk: str) -> str:
    """The chunk with each line break inside a paragraph turned into spaces (same length, so offsets
    hold): pysbd ends a sentence at every line break, and hard-wrapped text (most READMEs, mail,
    plain-text docs) breaks lines mid-sentence. A blank line still ends a sentence."""
    return _WRAP.sub(lambda m: " " * len(m.group()), chunk)


def humanize(stem: str) -> str:
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or stem


def slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-")[:60] or "faq"
