"""reStructuredText -> HTML (docutils, the reference parser) -> qa.htmldoc's title, text and blocks.

Sections, FAQ-style headings, definition and option lists, admonitions and tables then read as
they do in an HTML page (citation offsets refer to the text `GET /api/documents/{id}` serves, as
for HTML). Most .rst files are Sphinx sources: Sphinx's roles (`:ref:`, `:func:`, `:py:class:`,
…) read as their text ("Install <install-guide>" as "Install", "~pkg.mod.func" as "func"), and
its directives as their content (`.. versionadded::`, `.. tab::`) or, for `.. code-block::`, as
code; those that only point elsewhere (`.. toctree::`, `.. automodule::`) say nothing. Nothing is
read from outside the file: `.. include::`, `.. raw::` and `.. literalinclude::` are off.
"""

from __future__ import annotations

import re
import threading

from docutils import nodes
from docutils.core import publish_doctree, publish_from_doctree
from docutils.parsers.rst import Directive, directives, roles
from docutils.parsers.rst.directives.body import CodeBlock

from qa import htmldoc
from qa.corpus import Block

SETTINGS = {
    "report_level": 5,  # no system messages in the output: a problem reads as the text it is in
    "halt_level": 5,
    "warning_stream": False,
    "file_insertion_enabled": False,  # .. include:: would read any file the server can
    "raw_enabled": False,
    "syntax_highlight": "none",
    "input_encoding": "unicode",
    "embed_stylesheet": False,
    "stylesheet_path": "",
    "_disable_config": True,  # no docutils.conf from the working directory
    "doctitle_xform": True,
    "sectsubtitle_xform": False,
}
# directives that only point at other documents or at code: they say nothing here
SILENT = frozenset("""toctree literalinclude include raw index tabularcolumns highlight currentmodule module
    automodule autoclass autofunction automethod autoattribute autodata autoexception autosummary autoprogram
    graphviz plantuml uml image figure only-if-html""".split())
CODE = frozenset(("code-block", "sourcecode", "code", "doctest", "testcode", "testoutput", "prompt", "console"))
_TITLE_TARGET = re.compile(r"^(.*?)\s*<[^<>]*>$", re.S)  # "Install guide <install>" -> "Install guide"
_LOCK = threading.Lock()  # the lookups are swapped while one document is converted


def convert(text: str, default_title: str) -> tuple[str, str, list[Block]]:
    with _LOCK:
        saved = roles.role, directives.directive
        roles.role, directives.directive = _role, _directive
        try:
            tree = publish_doctree(text, settings_overrides=SETTINGS)
        finally:
            roles.role, directives.directive = saved
        drop_metadata(tree)
        plain_problems(tree)
        if not any(isinstance(c, nodes.title) for c in tree.children):  # else "<string>" would name it
            first = next(tree.findall(nodes.section), None)  # under a label or ":orphan:", docutils keeps it a section
            tree["title"] = first[0].astext() if first is not None and isinstance(first[0], nodes.title) else default_title
        html = publish_from_doctree(tree, writer="html5", settings_overrides=SETTINGS)
    return htmldoc.convert(html.decode("utf-8"), default_title)


_MARKUP_LEFT = re.compile(r"^(?::[\w:.+-]+:)?`?(.*?)`?(?::[\w:.+-]+:)?_{0,2}$", re.S)


def plain_problems(tree: nodes.document) -> None:
    """Markup docutils could not resolve (a reference to a target it does not have: "`the guide`_",
    a substitution it was not given) reads as its words, not as its markup."""
    for node in list(tree.findall(nodes.problematic)):
        text = node.astext()
        words = _MARKUP_LEFT.match(text).group(1) if text.endswith("_") or text.startswith((":", "`")) else text
        node.parent.replace(node, nodes.Text(words.strip("|") or text))


def drop_metadata(tree: nodes.document) -> None:
    """A field list that opens the document (":author: …", Sphinx's ":description: …", ":orphan:")
    is about the file, not text to answer from (docutils makes it a docinfo table; Sphinx hides it)."""
    for info in list(tree.findall(nodes.docinfo)):
        info.parent.remove(info)
    first = next((c for c in tree.children if not isinstance(c, (nodes.title, nodes.subtitle, nodes.target,
                                                                  nodes.comment, nodes.decoration))), None)
    if isinstance(first, nodes.field_list):
        tree.remove(first)


def _role(name, language_module, lineno, reporter):
    """docutils' own roles (emphasis, literal, pep, rfc, …), else any other (Sphinx's) as its text."""
    fn, messages = _ORIGINAL_ROLE(name, language_module, lineno, reporter)
    return (fn, messages) if fn is not None else (_text_role, [])


def _text_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """`:ref:`Title <target>`` -> "Title"; `:func:`~pkg.mod.f`` -> "f"; `:class:`!Foo`` -> "Foo"."""
    text = nodes.unescape(text)
    if m := _TITLE_TARGET.match(text):
        text = m.group(1) or text
    elif text.startswith("~"):
        text = text[1:].rsplit(".", 1)[-1]
    text = text.lstrip("!")
    return [nodes.literal(rawtext, text) if _looks_like_code(name) else nodes.Text(text)], []


def _looks_like_code(role: str) -> bool:
    return role.split(":")[-1] in {"func", "meth", "class", "mod", "attr", "data", "exc", "obj", "const", "var",
                                   "option", "envvar", "program", "command", "file", "samp", "makevar", "member",
                                   "macro", "type", "struct", "enum", "enumerator", "expr", "texpr", "code"}


def _directive(name, language_module, document):
    """docutils' own directives (note, warning, code, table, …), then Sphinx's as code, as nothing,
    or as their content."""
    if name in SILENT:
        return _Silent, []
    if name in CODE:
        return CodeBlock, []
    cls, messages = _ORIGINAL_DIRECTIVE(name, language_module, document)
    return (cls, messages) if cls is not None else (_Content, [])


class _AnyOption(dict):
    """Every option accepted, as text: a directive docutils does not know may have any."""

    def __missing__(self, key):
        return directives.unchanged

    def __bool__(self):  # docutils reads options only when a directive has some
        return True


class _Silent(Directive):
    optional_arguments = 99
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOption()

    def run(self):
        return []


# what Sphinx writes for its version notes ("New in version 2.0.")
VERSION_NOTES = {"versionadded": "New in version {}", "versionchanged": "Changed in version {}",
                 "deprecated": "Deprecated since version {}", "versionremoved": "Removed in version {}"}


class _Content(_Silent):
    """A directive docutils does not know (".. versionadded:: 2.0", ".. tab:: Linux"): its argument
    and its content, read as reStructuredText."""

    def run(self):
        node = nodes.container()
        if self.arguments:
            words = " ".join(self.arguments)
            if note := VERSION_NOTES.get(self.name):  # ".. versionadded:: 2.0 The --user flag."
                version, _, rest = words.partition(" ")
                words = note.format(version) + (f": {rest}" if rest else ".")  # as Sphinx writes it
            inline, _ = self.state.inline_text(words, self.lineno)
            node += nodes.paragraph(words, "", *inline)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


_ORIGINAL_ROLE, _ORIGINAL_DIRECTIVE = roles.role, directives.directive
