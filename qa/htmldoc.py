"""HTML -> title, a plain-text rendering and body blocks with offsets into that rendering.

Parsed with selectolax's Lexbor backend (C, WHATWG-conformant): broken markup is repaired the way
a browser repairs it, entities are decoded, nothing is fetched. The rendering, which GET
/api/documents/{id} serves and citation offsets refer to, has headings and FAQ questions on their
own lines and blank lines between paragraphs. Headings build the section path as in Markdown; a
heading ending with "?" starts an FAQ entry answered up to the next heading of the same or a higher
level; <details><summary>Q?</summary> and <dl><dt>Q?</dt><dd> are FAQ entries too. A heading inside
a <section> or <article> heads that element only: after it, the headings outside it apply again.
A table of contents (a list of nothing but links to places in the page) is navigation, not text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from selectolax.lexbor import LexborHTMLParser

from qa.corpus import Block, introduces, labelled

# Page furniture and non-prose: never part of an answer. A <header> is the page's banner only outside
# an <article>, <section>, <main> or <aside> (inside one it holds that element's heading and lede); an
# <aside> is read (docutils writes notes, sidebars, topics and footnotes as <aside>) unless it is
# mostly links (a "related pages" box).
DROP_TAGS = frozenset("script style noscript template nav footer form button iframe svg".split())
DROP_ROLES = frozenset(("navigation", "banner", "contentinfo"))
HEADER_SCOPES = frozenset(("article", "section", "main", "aside"))
LINKY = 0.5  # an <aside> whose text is at least this share link text is navigation
# class or id words of navigation bars written without <nav> (dropped when mostly links)
_NAV_NAME = re.compile(r"(?i)(?:^|[\s_-])(?:nav\w*|\w*navigation|breadcrumbs?|menu|header|navheader|navfooter|"
                       r"topbar|pager)(?:$|[\s_-])")
# ... and of tables of contents (DocBook's <div class="toc">, docutils' "contents topic"): dropped
# when they hold one and a title at most (a page's body named "contents" is read; so is a heading's
# <a class="toc-backref">)
_TOC_NAME = re.compile(r"(?i)(?:^|[\s_-])(?:toc|contents|table-of-contents)(?:$|[\s_-])")
# Elements whose start and end close the paragraph being read; anything else is inline.
BLOCK_TAGS = frozenset("""p div li ul ol table thead tbody tfoot tr caption blockquote section article main
    body html center address figure figcaption hr dd fieldset legend dialog menu""".split())
CELL_PARAGRAPHS = ("p", "div")  # inside a table cell: words of the row, not paragraphs of their own
CONTAINERS = ("details", "dl")  # hold FAQ entries: <summary>/<dt> questions
SECTIONING = ("section", "article")  # a heading inside one heads only it
HEADINGS = {f"h{n}": n for n in range(1, 7)}
CELL = "\x00"  # marks a table cell's start; the parser never lets a NUL through in text
TERM_CHARS = 80  # a longer <dt> is a sentence, not a term to head a definition
TERM_DEPTH = 3  # terms nested deeper than this inside definitions are paragraphs
TERM_RUN = 4  # at most this many terms in a row head one definition; more are a list of paragraphs


@dataclass(eq=False)  # compared by identity: a frame is one FAQ entry or one open container
class Frame:
    kind: str  # "h" (question heading), "details", "dl", "dt" (a question) or "term" (a <dt> that asks nothing)
    level: int = 0
    question: str = ""
    headings: tuple[str, ...] = ()
    scope: int = 0  # how many <section>/<article> elements were open when it began
    # what lies below it on the stack, set by Writer.push, so that no check walks the whole stack
    # (a page of thousands of nested lists would make every paragraph cost as much as the page)
    below: Frame | None = None  # the innermost FAQ entry below it (one with a question)
    term: Frame | None = None  # the innermost term, itself included
    terms: int = 0  # open terms, itself included
    dls: int = 0  # open <dl> elements, itself included


def convert(html: str, default_title: str) -> tuple[str, str, list[Block]]:
    """(title, document text, blocks); every block's start/end are offsets into the document text."""
    # scripting=True keeps <noscript> in <head> one text node, so it cannot push <title> into <body>;
    # a leading BOM would be body text and do the same.
    tree = LexborHTMLParser(html.lstrip("\ufeff"), scripting=True)
    title = page_title(tree) or default_title
    writer = Writer(title)
    if tree.body is not None:
        walk(tree.body, writer)
    return title, writer.text(), writer.blocks


def page_title(tree) -> str:
    node = tree.head.css_first("title") if tree.head is not None else None
    if node is not None and norm(node.text()):
        return norm(node.text())
    # the first h1 a reader sees: not one inside dropped furniture such as a site <header>
    visible = (text_of(h1) for h1 in tree.css("h1") if not any(dropped(a) for a in ancestors(h1)))
    return next((text for text in visible if text), "")


def walk(root, writer: Writer) -> None:
    """Depth-first over the tree with an explicit stack: deeply nested pages cannot hit the recursion limit."""
    stack = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            writer.leave(node)
        elif writer.enter(node):
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(list(node.iter(include_text=True))))


class Writer:
    """Builds the document text and its blocks as the walk enters and leaves elements."""

    def __init__(self, title: str):
        self.title = title
        self.parts: list[str] = []
        self.pos, self.sep = 0, ""
        self.inline: list[str] = []  # raw text of the paragraph being read
        self.path: list[tuple[int, str]] = []  # (level, heading) stack
        self.frames: list[Frame] = []  # open FAQ entries and FAQ containers, innermost last
        self.blocks: list[Block] = []
        self.last: Frame | None = None  # the FAQ entry the last block answers
        self.scopes: list[list[tuple[int, str]]] = []  # the heading path at each open <section>/<article>
        self.lists = 0  # open <ul>/<ol> elements: only an outermost list is checked for a table of contents
        self.deflists = 0  # open <dl> elements: the same for them (DocBook writes its tables of contents so)
        self.pending: list[str] = []  # <dt> terms waiting for their definition's first words
        self.tables: list[list[str] | None] = []  # each open <table>'s column headers, once a row of <th> gave them
        self.cells: list[str] = []  # the tags ("td", "th") of the cells in the row being read
        self.in_cell = 0  # open <td>/<th> elements: a paragraph inside one is part of the row (docutils' <p>)

    def enter(self, node) -> bool:
        """Handle an opening node; True when its children are to be walked."""
        if node.is_text_node:
            self.inline.append(node.text_content or "")
            return False
        if not node.is_element_node or dropped(node):  # comments, doctype, page furniture
            return False
        tag = node.tag
        if tag in ("br", "td", "th"):
            self.inline.append(" " if tag == "br" else CELL)
            if tag != "br":
                self.cells.append(tag)
                self.in_cell += 1
            return tag != "br"
        if self.in_cell and tag in CELL_PARAGRAPHS:
            self.inline.append(" ")
            return True
        leaf = self.heading if tag in HEADINGS else {"summary": self.summary, "dt": self.term, "pre": self.pre}.get(tag)
        if leaf or tag in BLOCK_TAGS or tag in CONTAINERS:
            self.flush()
        if leaf:
            leaf(node)
            return False
        if tag in CONTAINERS:
            self.push(Frame(tag))
        if tag == "table":
            self.tables.append(None)
        if tag in SECTIONING:
            self.scopes.append(list(self.path))
        if tag in LISTS:  # only an outermost list of its kind is checked (thousands nested cost no more)
            if not (self.deflists if tag == "dl" else self.lists) and is_contents(node):
                return False  # a table of contents: navigation, not text
            if tag == "dl":
                self.deflists += 1
            else:
                self.lists += 1
        return True

    def leave(self, node) -> None:
        if node.tag in ("td", "th") and self.in_cell:
            self.in_cell -= 1
        if self.in_cell and node.tag in CELL_PARAGRAPHS:
            self.inline.append(" ")
            return
        if node.tag in BLOCK_TAGS or node.tag in CONTAINERS:
            self.flush()
        if node.tag == "dl":
            self.flush_terms()
        if node.tag in CONTAINERS:
            self.close_until(node.tag, keep=False)
        if node.tag in SECTIONING and self.scopes:
            # its headings end with it; so do the FAQ entries they began (on top of the stack)
            inner = len(self.scopes)
            self.path = self.scopes.pop()
            while self.frames and self.frames[-1].kind == "h" and self.frames[-1].scope >= inner:
                self.frames.pop()
        if node.tag == "dl" and self.deflists:
            self.deflists -= 1
        elif node.tag in ("ul", "ol") and self.lists:
            self.lists -= 1
        if node.tag == "table" and self.tables:
            self.tables.pop()

    def summary(self, node) -> None:
        self.flush_terms()
        details = self.frames[-1] if self.frames and self.frames[-1].kind == "details" else None
        self.question(text_of(node), details)

    def term(self, node) -> None:
        """A <dt>: an FAQ question when it asks one; else a term ("operator", "-o FILE") that heads
        its definition: it joins the section path, opens the definition's passage (it names what
        the passage is about), and the next entry starts another passage. Several terms in a row
        (up to TERM_RUN) head one definition ("-o FILE", "--output=FILE").
        A term is written when its definition begins; one that gets none is a paragraph of the
        section around it, and so is a long one, one inside an FAQ answer (the answer quotes it)
        or one nested deeper than TERM_DEPTH terms. Measured: written as a line above the
        definition instead (the term in the section path only), the Debian accounts page
        (tests/eval/fresh) gained an answer but xsltproc's options (fresh2) lost one."""
        text, in_list = text_of(node), self.top("dls") > 0
        plain = in_list and bool(text) and not text.endswith("?") and len(text) <= TERM_CHARS
        if plain and 0 < len(self.pending) < TERM_RUN and self.frames[-1].kind == "term":
            self.pending.append(text)
            frame = self.frames[-1]
            frame.headings = frame.headings[:-1] + (", ".join(self.pending),)
            return
        self.flush_terms()
        self.close_until("dl", keep=True)  # a new term ends the previous one's answer
        heads = plain and self.entry() is None and self.top("terms") < TERM_DEPTH
        if not heads:
            self.question(text, Frame("dt") if in_list else None)
            return
        self.push(Frame("term", headings=self.section() + (text,)))
        self.pending = [text]

    def flush_terms(self) -> None:
        """Terms that got no definition are paragraphs, in the section around them."""
        if not self.pending:
            return
        terms, self.pending = self.pending, []
        if self.frames and self.frames[-1].kind == "term":
            self.frames.pop()
        for text in terms:
            self.paragraph(text)

    def open_definition(self) -> None:
        """The first words of a definition: its terms open its passage, as paragraphs."""
        if self.pending:
            terms, self.pending = self.pending, []
            for term in terms:
                self.paragraph(term)

    def pre(self, node) -> None:
        """Preformatted text keeps its lines (code stays readable); blank lines would read as paragraph
        breaks. It is code, as in Markdown: never a sentence of its own; right after a paragraph of
        the same section that introduces it with a colon ("Use this command line:") it is cited with
        that paragraph's passage; elsewhere it is in the served text only."""
        lines = (line.rstrip() for line in "".join(texts(node, "\n")).splitlines())
        code = "\n".join(line for line in lines if line.strip())
        if not code:
            return
        self.open_definition()  # a definition's terms come first, as for a paragraph
        last = self.blocks[-1] if self.blocks else None
        # the block just written ends here, and its last words (self.parts[-1]) end with a colon
        introduced = last is not None and last.end == self.pos and introduces(self.parts[-1])
        entry = self.entry()
        self.write(code, "\n\n")
        if introduced and last.headings == (entry.headings if entry is not None else self.section()):
            self.blocks[-1] = replace(last, end=self.pos, parts=last.spans())

    def push(self, frame: Frame) -> None:
        below = self.frames[-1] if self.frames else None
        if below is not None:
            frame.below = below if below.question else below.below
            frame.term, frame.terms, frame.dls = below.term, below.terms, below.dls
        if frame.kind == "term":
            frame.term, frame.terms = frame, frame.terms + 1
        frame.dls += frame.kind == "dl"
        self.frames.append(frame)

    def top(self, count: str) -> int:
        return getattr(self.frames[-1], count) if self.frames else 0

    def entry(self) -> Frame | None:
        """The innermost open FAQ entry (a <details> gets its question after it opens)."""
        top = self.frames[-1] if self.frames else None
        return None if top is None else top if top.question else top.below

    def close_until(self, kind: str, keep: bool) -> None:
        """Pop frames down to the innermost `kind` container, and that one too unless `keep`."""
        if not (self.top("dls") > 0 if kind == "dl" else any(f.kind == kind for f in self.frames)):
            return
        while self.frames[-1].kind != kind:
            self.frames.pop()
        if not keep:
            self.frames.pop()

    def heading(self, node) -> None:
        level, text = HEADINGS[node.tag], text_of(node)
        if not text:
            return
        self.flush_terms()
        while self.frames and self.frames[-1].kind == "h" and self.frames[-1].level >= level:
            self.frames.pop()  # a heading of the same or a higher level ends an FAQ answer
        self.path = [(lv, h) for lv, h in self.path if lv < level]
        is_title = level == 1 and text == self.title  # as in Markdown: the title is not a section
        if not is_title:
            self.path.append((level, text))
        self.write(text, "\n", before="\n\n")  # a blank line above a heading, its body right below
        if text.endswith("?") and not is_title:
            self.push(Frame("h", level, text, tuple(h for _, h in self.path), len(self.scopes)))

    def question(self, text: str, frame: Frame | None) -> None:
        """A <summary> or <dt>: an FAQ question when it asks one inside its container, else a paragraph."""
        if not text.endswith("?") or frame is None:
            self.paragraph(text)
            return
        frame.question, frame.headings = text, self.section() + (text,)
        if frame.kind == "dt":
            self.push(frame)
        self.write(text, "\n")

    def section(self) -> tuple[str, ...]:
        term = self.frames[-1].term if self.frames else None
        if term is not None:
            return term.headings
        return tuple(h for _, h in self.path) or (self.title,)

    def flush(self) -> None:
        before, *cells = [norm(cell) for cell in "".join(self.inline).split(CELL)]
        kinds, self.inline, self.cells = self.cells, [], []
        headers = self.tables[-1] if self.tables else None
        if cells and self.tables and all(k == "th" for k in kinds):
            self.tables[-1] = cells  # the column headers: each row after reads with them
            if not before:  # served, never an answer: a header row says nothing about any one row
                self.open_definition()
                self.write(" | ".join(cell for cell in cells if cell), "\n\n")
                return
        elif headers and len(headers) == len(cells):
            # "Plan: Pro | Price: $49 a month": a row alone did not say which column was which, and
            # "what does the Pro plan cost?" was answered from the header row or another plan's
            self.paragraph(" | ".join(part for part in (before, labelled(headers, cells)) if part))
            return
        self.paragraph(" | ".join(cell for cell in [before, *cells] if cell))  # a table row reads "a | b | c"

    def paragraph(self, text: str) -> None:
        if not text:
            return
        self.open_definition()
        start = self.write(text, "\n\n")
        entry = self.entry()
        if entry is not None and entry is self.last:  # the answer goes on: widen its block
            last = self.blocks[-1]
            self.blocks[-1] = last.joined(Block(start, self.pos, last.headings))
        elif entry is not None:
            self.blocks.append(Block(start, self.pos, entry.headings, entry.question))
        else:
            self.blocks.append(Block(start, self.pos, self.section()))
        self.last = entry

    def write(self, text: str, after: str, before: str = "") -> int:
        """Append `text` after `before` or the separator the previous piece asked for; return where it starts."""
        sep = (before or self.sep) if self.parts else ""
        start = self.pos + len(sep)
        self.parts += [sep, text]
        self.pos, self.sep = start + len(text), after
        return start

    def text(self) -> str:
        return "".join(self.parts) + ("\n" if self.parts else "")


# what a heading's permalink shows (Sphinx's <a class="headerlink">¶</a>, VitePress's "#"): not its words
PERMALINK_TEXTS = frozenset("¶ # § 🔗 ⚓ 🔗︎".split())


def dropped(node) -> bool:
    if node.tag in DROP_TAGS:
        return True
    if node.tag == "a" and (node.attributes.get("href") or "").startswith("#") \
            and node.text(deep=True).strip() in PERMALINK_TEXTS:
        return True  # "How do I install it?¶" would not ask anything
    if node.tag == "header" and not any(a.tag in HEADER_SCOPES for a in ancestors(node)):
        return True  # the page's banner
    if node.tag == "aside" and linky(node):
        return True
    attrs = node.attributes
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    if _NAV_NAME.search(names) and linky(node):
        return True  # a navigation bar without <nav>: Texinfo's "Previous: …, Up: …", DocBook's navheader
    if _TOC_NAME.search(names) and node.tag not in PAGE_TAGS and holds_contents(node):
        return True  # (docutils names the <body> of a page with a table of contents "with-toc")
    roles = set((attrs.get("role") or "").lower().split())
    return bool(roles & DROP_ROLES) or (attrs.get("aria-hidden") or "").strip().lower() == "true"


def linky(node) -> bool:
    """Mostly link text (LINKY of it or more), or no text at all: a box of links, not prose."""
    text = len("".join(node.text(deep=True).split()))
    links = sum(len("".join(a.text(deep=True).split())) for a in node.css("a"))
    return not text or links >= LINKY * text


LISTS = ("ul", "ol", "dl")  # DocBook writes its tables of contents as <dl>


def holds_contents(node) -> bool:
    """A table of contents whatever its markup (a list, DocBook's <dl>, SQLite's <div>s of links)
    with a title ("Table of Contents") at most. A page's body named "contents" holds more; a
    heading's <a class="toc-backref"> is one link."""
    return contents(node, TOC_TITLE_CHARS)


PAGE_TAGS = frozenset(("html", "body", "main", "article"))  # never a box
TOC_TITLE_CHARS = 20  # characters, spaces aside: "Table of Contents", "On this page"
# what a table of contents numbers its entries with, outside their links ("1.2.", "A", "IV.")
_LABEL = re.compile(r"(?:\d+|[A-Z]|[IVXLC]+)(?:\.(?:\d+|[A-Z]))*\.?")


def is_contents(node) -> bool:
    """A list of two or more links to places in this page and no other text than their numbers
    ("1.2.", DocBook's appendix "A"): a table of contents."""
    return contents(node, 0)


def contents(node, title_chars: int) -> bool:
    """Two or more links to places in this page, none elsewhere, and besides them their numbers and
    at most `title_chars` characters of other text (spaces aside)."""
    hrefs = [a.attributes.get("href") or "" for a in node.css("a")]
    if sum(h.startswith("#") for h in hrefs) < 2 or any(h and not h.startswith("#") for h in hrefs):
        return False
    rest = "".join(outside_links(node)).split()
    return len("".join(w for w in rest if not _LABEL.fullmatch(w))) <= title_chars


def outside_links(node):
    """The text pieces below `node` that are not inside a link to a place in the page."""
    stack = list(reversed(list(node.iter(include_text=True))))
    while stack:
        n = stack.pop()
        if n.is_text_node:
            yield n.text_content or ""
        elif n.is_element_node and not (n.tag == "a" and (n.attributes.get("href") or "").startswith("#")):
            stack.extend(reversed(list(n.iter(include_text=True))))


def ancestors(node):
    node = node.parent
    while node is not None and node.is_element_node:
        yield node
        node = node.parent


def texts(node, br: str = " "):
    """The text pieces below `node`, in order, skipping dropped elements and comments."""
    stack = list(reversed(list(node.iter(include_text=True))))
    while stack:
        n = stack.pop()
        if n.is_text_node:
            yield n.text_content or ""
        elif n.is_element_node and n.tag == "br":
            yield br
        elif n.is_element_node and not dropped(n):
            stack.extend(reversed(list(n.iter(include_text=True))))


def text_of(node) -> str:
    """The flattened, normalised text of a heading, question or title."""
    return norm("".join(texts(node)))


INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\ufeff"))  # soft hyphen, zero-width space, BOM: would split words


def norm(text: str) -> str:
    """Collapse every run of whitespace (non-breaking spaces included) to one space."""
    return " ".join(text.translate(INVISIBLE).split())
