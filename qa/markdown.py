"""Markdown -> title and body blocks with source offsets, using markdown-it-py's token line maps.

Headings build the section path; a heading that ends with "?" starts an FAQ entry whose answer
is the body up to the next heading. Code, HTML and tables are not prose and are left out, but the
body of a MyST/Sphinx directive fence that holds prose ("```{note}") is read as Markdown.
Citations quote the source as written; what is embedded and matched by words is its `plain` text
(links as their words, no code ticks, emphasis marks or inline HTML).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import replace

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from qa.corpus import INLINE_MARKUP, Block

# colon fences (":::{note}") are MyST's other way to write a directive
_md = MarkdownIt("commonmark").use(front_matter_plugin).use(colon_fence_plugin).enable("table")


# MyST / Sphinx directives written as fences whose body is prose ("```{note}", "```{tab} Unix"): their
# body is read as Markdown. Other directives ({code-block}, {toctree}, {math}, ...) stay code.
PROSE_DIRECTIVES = frozenset("""admonition attention caution danger error hint important note seealso tip
warning tab tab-item tab-set dropdown card grid-item-card versionadded versionchanged deprecated topic sidebar
margin epigraph highlights pull-quote rubric div""".split())


def blocks(text: str, default_title: str) -> tuple[str, list[Block]]:
    # a byte-order mark would hide a first "# Title" from the parser; a space keeps the offsets
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
        if end > start and b.headings == headings and text[b.start:b.end].rstrip().endswith((":", "：")) \
                and not text[b.end:start].strip():
            self.out[-1] = replace(b, end=end, parts=b.spans())

    def paragraph(self, line_map: list[int], content: str) -> None:
        span = paragraph_span(self.text, self.starts, line_map, content)
        if span is None or _NOT_PROSE.fullmatch(content.strip()):
            return  # nothing, a directive's option line (":class: tip") or a MyST target ("(config-file)=")
        path, out = self.path, self.out
        headings = tuple(h for _, h in path) or (self.title,)
        if self.question_level and out and out[-1].question == path[-1][1] and out[-1].headings == headings:
            out[-1] = out[-1].joined(Block(span[0], span[1], headings))  # answer goes on
        else:
            out.append(Block(span[0], span[1], headings, path[-1][1] if self.question_level else ""))


_NOT_PROSE = re.compile(r":[\w-]+:.*|\([\w.:-]+\)=")
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
