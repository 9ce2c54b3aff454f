"""Markdown -> title and body blocks with source offsets, using markdown-it-py's token line maps.

Headings build the section path; a heading that ends with "?" starts an FAQ entry whose answer
is the body up to the next heading. Code, HTML and tables are not prose and are left out.
Citations quote the source as written; what is embedded and matched by words is its `plain` text
(links as their words, no code ticks, emphasis marks or inline HTML).
"""

from __future__ import annotations

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from qa.corpus import INLINE_MARKUP, Block

_md = MarkdownIt("commonmark").use(front_matter_plugin).enable("table")


def blocks(text: str, default_title: str) -> tuple[str, list[Block]]:
    tokens = _md.parse(text)
    starts = line_starts(text)
    title = front_matter_title(tokens) or first_h1(tokens) or default_title
    path: list[tuple[int, str]] = []  # (level, heading) stack
    out: list[Block] = []
    question_level = 0
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            level, heading = int(tok.tag[1]), tokens[i + 1].content.strip()
            path = [(lv, h) for lv, h in path if lv < level]
            is_title = level == 1 and heading == title
            if not is_title:
                path.append((level, heading))
            question_level = level if heading.endswith("?") and not is_title else 0
        elif tok.type == "paragraph_open" and tok.map:
            span = paragraph_span(text, starts, tok.map, tokens[i + 1].content)
            if span is None:
                continue
            headings = tuple(h for _, h in path) or (title,)
            if question_level and out and out[-1].question == path[-1][1] and out[-1].headings == headings:
                out[-1] = Block(out[-1].start, span[1], headings, out[-1].question)  # answer goes on
            else:
                out.append(Block(span[0], span[1], headings, path[-1][1] if question_level else ""))
    return title, out


def plain(text: str) -> str:
    """Inline Markdown as the words a reader sees: `[picloud.com](http://…)` -> picloud.com,
    ``code`` -> code, **bold** -> bold, ![alt](img) -> alt, inline HTML tags dropped."""
    if not INLINE_MARKUP.search(text):
        return text
    out = []
    for tok in _md.parseInline(text)[0].children or ():
        if tok.type in ("text", "code_inline", "image"):
            out.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out)


def line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


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
