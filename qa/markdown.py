"""Markdown -> title and body blocks with source offsets, using markdown-it-py's token line maps.

Headings build the section path; a heading that ends with "?" starts an FAQ entry whose answer
is the body up to the next heading. Code is not prose and is left out (a table's body rows are
sentences, its header row context: Walk.table), but the
body of a MyST/Sphinx directive fence that holds prose ("```{note}") is read as Markdown. The text
of an HTML block is read too (qa.markdown.Walk.html): a `<details>` FAQ's `<summary>` is a heading
(a question when it asks), `<h1>`-`<h6>` are headings, other text is prose; scripts, styles,
comments, tables and preformatted code are not.
Citations quote the source as written; what is embedded and matched by words is its `plain` text
(links as their words, no code ticks, emphasis marks or inline HTML).
"""

from __future__ import annotations

import html as html_lib
import re
import textwrap
from dataclasses import replace

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from qa.corpus import INLINE_MARKUP, Block, introduces, labelled

# colon fences (":::{note}") are MyST's other way to write a directive
_md = MarkdownIt("commonmark").use(front_matter_plugin).use(colon_fence_plugin).enable("table")


# MyST / Sphinx directives written as fences whose body is prose ("```{note}", "```{tab} Unix"): their
# body is read as Markdown. Other directives ({code-block}, {toctree}, {math}, ...) stay code.
PROSE_DIRECTIVES = frozenset("""admonition attention caution danger error hint important note seealso tip
warning tab tab-item tab-set dropdown card grid-item-card versionadded versionchanged deprecated topic sidebar
margin epigraph highlights pull-quote rubric div""".split())


def blocks(text: str, default_title: str) -> tuple[str, list[Block]]:
    # a byte-order mark would hide a first "# Title" from the parser; a space keeps the offsets. Front
    # matter must open the text ("---" in the first column): there the mark is dropped, which moves
    # nothing the blocks are read from (block positions come from line numbers; line 1 is "---")
    if text.startswith("\ufeff---"):
        tokens = _md.parse(text[1:])
    else:
        tokens = _md.parse(" " + text[1:] if text.startswith("\ufeff") else text)
    title = front_matter_title(tokens) or first_h1(tokens) or default_title
    walk = Walk(text, line_starts(text), title)
    walk.tokens(tokens, 0)
    return title, walk.out


class Walk:
    """Blocks under their heading path, from markdown-it tokens; directive bodies parsed in place."""

    def __init__(self, text: str, starts: list[int], title: str):
        self.text, self.starts, self.title = text, starts, title
        self.path: list[tuple[int, str]] = []  # (level, heading) stack
        self.out: list[Block] = []
        self.question_level = 0
        self.details: list[tuple[list[tuple[int, str]], int]] = []  # (path, question_level) at each open <details>
        self.skipping: list[str] = []  # open HTML elements whose text is not prose (script, table, pre, ...)
        self.summary: list[str] | None = None  # the text of a <summary> being read

    def tokens(self, tokens, line0: int) -> None:
        """`line0`: the source line the tokens' line maps count from (a directive body's first line)."""
        for i, tok in enumerate(tokens):
            if tok.type == "heading_open":
                level, heading = int(tok.tag[1]), tokens[i + 1].content.strip()
                self.path = [(lv, h) for lv, h in self.path if lv < level]
                is_title = level == 1 and heading == self.title
                if not is_title:
                    self.path.append((level, heading))
                self.question_level = level if heading.endswith("?") and not is_title else 0
            elif tok.type == "paragraph_open" and tok.map:
                self.paragraph([line0 + tok.map[0], line0 + tok.map[1]], tokens[i + 1].content)
            elif tok.type == "html_block" and tok.map:
                self.html(line0 + tok.map[0], line0 + tok.map[1])
            elif tok.type == "table_open" and tok.map:
                rows = []
                for t in tokens[i + 1:]:
                    if t.type == "table_close":
                        break
                    if t.type == "tr_open" and t.map:
                        rows.append(line0 + t.map[0])
                self.table(line0 + tok.map[0], rows)
            elif tok.type in ("fence", "code_block") and tok.map and not directive(tok.info) in PROSE_DIRECTIVES:
                self.code(line0 + tok.map[0], line0 + tok.map[1])
            elif tok.type in ("fence", "colon_fence") and tok.map and directive(tok.info) in PROSE_DIRECTIVES \
                    and tok.map[1] - tok.map[0] > 1:
                first, last = line0 + tok.map[0] + 1, line0 + tok.map[1] - 1  # the body, between the fences
                closing = self.text[self.starts[last]:].lstrip() if last < len(self.starts) else ""
                if not closing.startswith(tok.markup):  # never closed: the body runs to the end
                    last += 1
                body = self.text[self.starts[first]:self.starts[last] if last < len(self.starts) else len(self.text)]
                label = tok.info.strip()[tok.info.strip().index("}") + 1:].strip()  # "{tab} Unix" -> "Unix"
                outer, question_level = self.path, self.question_level
                if label and not question_level:  # a tab's or titled box's label is part of where its text
                    self.path = [*(outer or [(0, self.title)]), (7, label)]  # sits (in an FAQ answer: the answer)
                self.tokens(_md.parse(textwrap.dedent(body)), first)  # indented in a list item: not code
                self.path, self.question_level = outer, question_level

    def code(self, first: int, last: int) -> None:
        """A code block right after a paragraph of the same section that introduces it with a colon
        ("add this line to your config:") belongs to that paragraph's passage: it is cited with it,
        though never a sentence (Block.parts keeps the prose apart)."""
        if not self.out:
            return
        b, text = self.out[-1], self.text
        start = self.starts[first] if first < len(self.starts) else len(text)
        end = len(text[:self.starts[last] if last < len(self.starts) else len(text)].rstrip())
        headings = tuple(h for _, h in self.path) or (self.title,)
        if end > start and b.headings == headings and introduces(text[b.start:b.end]) \
                and not text[b.end:start].strip():
            self.out[-1] = replace(b, end=end, parts=b.spans())

    def paragraph(self, line_map: list[int], content: str) -> None:
        span = paragraph_span(self.text, self.starts, line_map, content)
        if span is None or _NOT_PROSE.fullmatch(content.strip()):
            return  # nothing, a directive's option line (":class: tip") or a MyST target ("(config-file)=")
        self.prose(span)

    def html(self, first: int, last: int) -> None:
        """An HTML block's text, in place: a `<summary>` (of a `<details>` FAQ entry) and `<h1>`-`<h6>`
        are headings for what follows, up to `</details>` for a summary; the text between other
        block elements is prose, cited as written (inline tags such as `<b>` included, as inline
        Markdown is; what is embedded is its plain text). Text inside script, style, table, pre,
        code blocks and comments is not prose."""
        text = self.text
        start = self.starts[first] if first < len(self.starts) else len(text)
        end = self.starts[last] if last < len(self.starts) else len(text)
        run: list[int] = []  # start and end of the prose being gathered
        heading: tuple[int, list[str]] | None = None  # an <hN> being read: its level and text

        def flush() -> None:
            if run:
                self.prose((run[0], run[1]))
                run.clear()

        for m in _HTML_PIECE.finditer(text, start, end):
            tag, closing = (m.group("tag") or "").lower(), bool(m.group("close"))
            if m.group("comment") is not None:
                continue
            if tag:
                if tag in _NOT_PROSE_HTML and not m.group("self"):
                    flush()
                    if not closing:
                        self.skipping.append(tag)
                    elif tag in self.skipping:  # closes it, and whatever was left open inside it
                        while self.skipping.pop() != tag:
                            pass
                elif tag == "summary" and not self.skipping:
                    flush()
                    if not closing:
                        self.summary = []
                    elif self.summary is not None:
                        self.heading(7 + len(self.details), " ".join(" ".join(self.summary).split()))
                        self.summary = None
                elif tag == "details" and not self.skipping:
                    flush()
                    if not closing:
                        self.details.append((self.path, self.question_level))
                    elif self.details:
                        self.path, self.question_level = self.details.pop()
                elif _HEADING_TAG.fullmatch(tag) and not self.skipping:
                    flush()
                    if not closing:
                        heading = (int(tag[1]), [])
                    elif heading:
                        self.heading(heading[0], " ".join(" ".join(heading[1]).split()))
                        heading = None
                elif tag not in _INLINE_HTML:
                    flush()  # a block element (p, div, li, br, ...) ends the prose before it
                continue
            words = m.group("text")
            if self.skipping or not words.strip():
                continue
            if self.summary is not None:
                self.summary.append(html_lib.unescape(words))
            elif heading is not None:
                heading[1].append(html_lib.unescape(words))
            else:
                lo = m.start() + len(words) - len(words.lstrip())
                hi = m.start() + len(words.rstrip())
                run[:] = [run[0] if run else lo, hi]
        flush()

    def heading(self, level: int, heading: str) -> None:
        """A heading found in an HTML block, as a Markdown heading of that level is."""
        if not heading:
            return
        self.path = [(lv, h) for lv, h in self.path if lv < level] + [(level, heading)]
        self.question_level = level if heading.endswith("?") else 0

    def table(self, first: int, rows: list[int]) -> None:
        """A table: its body rows are sentences, each line as written ("| Pro | $49 | phone |") and
        embedded with its column names (table_headers); the header row and the rule under it are in its
        passage's text (cited, and embedded with the passage) but never an answer: a header row says
        nothing about any one row."""
        spans = [span for line in rows[1:] if (span := self.line_span(line)) is not None]
        head = self.line_span(first)
        if not spans or head is None:
            return
        self.add(head[0], spans[-1][1], tuple(spans))

    def line_span(self, line: int) -> tuple[int, int] | None:
        """A source line's text without its indentation, quote marks or line end; None when empty."""
        if line >= len(self.starts):
            return None
        start = self.starts[line]
        end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)
        raw = self.text[start:end]
        lead = len(raw) - len(raw.lstrip(" \t>"))
        stop = start + len(raw.rstrip())
        return (start + lead, stop) if stop > start + lead else None

    def prose(self, span: tuple[int, int]) -> None:
        self.add(*span)

    def add(self, start: int, end: int, parts: tuple[tuple[int, int], ...] = ()) -> None:
        """A block under the current heading path; in an FAQ answer it goes on the answer's block.
        `parts`: the spans its sentences come from, when not all of it (a table's rows)."""
        path, out = self.path, self.out
        headings = tuple(h for _, h in path) or (self.title,)
        block = Block(start, end, headings, parts=parts)
        if self.question_level and out and out[-1].question == path[-1][1] and out[-1].headings == headings:
            out[-1] = out[-1].joined(block)  # answer goes on
        else:
            out.append(replace(block, question=path[-1][1] if self.question_level else ""))


_RULE_CELL = re.compile(r":?-+:?")  # a cell of a table's delimiter row ("---", ":--:")
_CELL_BAR = re.compile(r"(?<!\\)\|")
# what may stand before a table's line: indentation, quote marks, a list item's marker ("- > | a |")
_LINE_PREFIX = re.compile(r"[ \t]*(?:(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]*)*")


def table_headers(text: str) -> dict[int, list[str]]:
    """For every body row of every table in `text`, where its line starts -> its table's column
    names. One pass over the lines: a line with a bar over a delimiter row of as many cells
    ("| Plan | Price |" over "|---|:--:|") opens a table, whose body rows are the lines with a bar
    that follow (a row of dashes among them is a row, not another rule)."""
    starts = line_starts(text)
    lines = [text[a:b].rstrip("\r\n") for a, b in zip(starts, [*starts[1:], len(text)])]
    content = [line[_LINE_PREFIX.match(line).end():] for line in lines]
    out: dict[int, list[str]] = {}
    i = 0
    while i + 1 < len(lines):
        head = cells(content[i]) if "|" in content[i] else []
        rule = cells(content[i + 1]) if head and "|" in content[i + 1] else []  # "a |" over "---": a heading
        if head and len(rule) == len(head) and all(_RULE_CELL.fullmatch(c) for c in rule):
            i += 2
            while i < len(lines) and "|" in content[i] and content[i].strip():
                out[starts[i]] = head
                i += 1
        else:
            i += 1
    return out


def labelled_row(row: str, head: list[str]) -> str:
    """A table row read with its column names: "| Pro | $49 |" under ["Plan", "Monthly price"] ->
    "Plan: Pro | Monthly price: $49" (a row may have more cells than its header: those go unnamed)."""
    # GFM: a bar escaped inside a cell is a bar, code spans included (markdown-it keeps "\|" in code)
    return plain(labelled(head, cells(row[_LINE_PREFIX.match(row).end():])).replace("\\|", "|"))


def cells(line: str) -> list[str]:
    """A table line's cells, without its outer bars ("| a | b |" -> ["a", "b"])."""
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [c.strip() for c in _CELL_BAR.split(line)]


_NOT_PROSE = re.compile(r":[\w-]+:.*|\([\w.:-]+\)=")
# an HTML block, piece by piece: a comment, a tag (opening, closing or self-closing) or the text between
_HTML_PIECE = re.compile(r"(?P<comment><!--.*?(?:-->|\Z))|<(?P<close>/)?(?P<tag>[A-Za-z][\w-]*)\b[^>]*?(?P<self>/)?>"
                         r"|(?P<text>[^<]+|<)", re.S)
_NOT_PROSE_HTML = frozenset("script style table pre svg math template textarea select noscript head".split())
_INLINE_HTML = frozenset("a abbr b bdi bdo cite code data dfn em i kbd mark q s samp small span strong sub sup time "
                         "u var wbr img".split())
_HEADING_TAG = re.compile(r"h[1-6]")
_ROLE = re.compile(r"\{[\w:.-]+\}(?=`)")  # a MyST role before inline code: {file}`pip.conf`, {doc}`...`


def directive(info: str) -> str:
    """'{note}' -> 'note', '{tab} Unix' -> 'tab'; '' for a plain code fence."""
    info = info.strip()
    return info[1:info.index("}")].strip().lower() if info.startswith("{") and "}" in info else ""


def plain(text: str) -> str:
    """Inline Markdown as the words a reader sees: `[picloud.com](http://…)` -> picloud.com,
    ``code`` -> code, **bold** -> bold, ![alt](img) -> alt, inline HTML tags dropped, MyST roles
    ({file}`pip.conf`) as their text."""
    if not INLINE_MARKUP.search(text):
        return text
    out = []
    for tok in _md.parseInline(_ROLE.sub("", text))[0].children or ():
        if tok.type in ("text", "code_inline", "image"):
            out.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out)


_NEWLINE = re.compile(r"\r\n?|\n")


def line_start(text: str, pos: int) -> int:
    """Where the line holding text[pos] starts (as line_starts counts lines)."""
    return max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) + 1


def line_starts(text: str) -> list[int]:
    """Where each line starts, counting line ends as markdown-it does (LF, CRLF, and a lone CR of
    old Mac files): its token line maps must find the same lines."""
    return [0, *(m.end() for m in _NEWLINE.finditer(text))]


def paragraph_span(text: str, starts: list[int], line_map: list[int], content: str) -> tuple[int, int] | None:
    """Offsets of a paragraph's text in the source, skipping list markers and quote prefixes."""
    begin = starts[line_map[0]]
    end = starts[line_map[1]] if line_map[1] < len(starts) else len(text)
    first = content.strip().split("\n", 1)[0].strip()
    if not first:
        return None
    at = text.find(first, begin, end)
    start = at if at >= 0 else begin
    stop = len(text[:end].rstrip())
    return (start, stop) if stop > start else None


def front_matter_title(tokens) -> str:
    for tok in tokens:
        if tok.type == "front_matter":
            try:
                meta = yaml.safe_load(tok.content)
            except yaml.YAMLError:
                return ""
            return str(meta.get("title", "")).strip() if isinstance(meta, dict) else ""
    return ""


def first_h1(tokens) -> str:
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h1":
            return tokens[i + 1].content.strip()
    return ""
