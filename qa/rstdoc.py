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
    "report_level": 3,  # errors stay in the tree, to be warned about and taken out (convert)
    "halt_level": 5,
    "warning_stream": False,
    "file_insertion_enabled": False,  # .. include:: would read any file the server can
    "raw_enabled": False,
    "syntax_highlight": "none",
    "input_encoding": "unicode",
    "embed_stylesheet": False,
    "stylesheet_path": "",
    "_disable_config": True,  # no docutils.conf from the working directory
    "doctitle_xform": False,  # as Sphinx: a lone subsection is a section, not the document's subtitle
    "sectsubtitle_xform": False,
}
# directives that point at other documents, set context or generate text from code: they say
# nothing here (with a domain prefix too: "py:currentmodule")
SILENT = frozenset("""toctree literalinclude include raw index tabularcolumns highlight currentmodule module
    automodule autosummary autoprogram graphviz plantuml uml image sectionauthor moduleauthor codeauthor program
    default-role default-domain namespace namespace-push namespace-pop cmake-module meta title sectnum
    testsetup testcleanup""".split())
# directives whose body is code: cited with the text around it, never an answer
CODE = frozenset("""code-block sourcecode code doctest testcode testoutput prompt console plot ipython code-tab
    jupyter-execute jupyter-input jupyter-output productionlist literal-block""".split())
# directives whose argument is a condition or a layout, not text: their content alone is read
CONTENT_ONLY = frozenset("only ifconfig container tab-set tabs grid grid-item tab-set-code".split())
_TITLE_TARGET = re.compile(r"^(.*?)\s*<[^<>]*>$", re.S)  # "Install guide <install>" -> "Install guide"
# docutils' role and directive lookups are module functions: they are swapped while one document
# is converted (qa converts one at a time), and the registries a document may add to (".. role::")
# are put back as they were after it
_LOCK = threading.Lock()


def convert(text: str, default_title: str, warn=None) -> tuple[str, str, list[Block]]:
    """`warn`: told, in one line each, of a block docutils could not read and that is left out
    (a malformed table, a directive with a bad option), with its line."""
    with _LOCK:
        saved = roles.role, directives.directive, dict(roles._roles), dict(directives._directives)
        roles.role, directives.directive = _role, _directive
        try:
            tree = publish_doctree(text, settings_overrides=SETTINGS)
        finally:
            roles.role, directives.directive = saved[:2]
            roles._roles.clear(), roles._roles.update(saved[2])
            directives._directives.clear(), directives._directives.update(saved[3])
        for message in list(tree.findall(nodes.system_message)):
            if warn is not None and any(isinstance(c, nodes.literal_block) for c in message.children):
                warn(f"line {message.get('line', '?')}: {message.children[0].astext()} (that block is left out)")
            message.parent.remove(message)
        drop_metadata(tree)
        plain_problems(tree)
        tree["title"] = document_title(tree) or default_title  # else "<string>" would name it
        tree.transform_messages = []  # a reference to nothing reads as its words (plain_problems)
        html = publish_from_doctree(tree, writer="html5", settings_overrides={**SETTINGS, "report_level": 5})
    return htmldoc.convert(html.decode("utf-8"), default_title)


def document_title(tree: nodes.document) -> str:
    """The title of the one section the document is (what docutils' doctitle transform would take,
    were it on): a lone top-level section with nothing but labels and comments before it."""
    body = [c for c in tree.children if not isinstance(c, (nodes.target, nodes.comment, nodes.substitution_definition,
                                                           nodes.decoration))]
    if len(body) == 1 and isinstance(body[0], nodes.section) and isinstance(body[0][0], nodes.title):
        return body[0][0].astext()
    return ""


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
    """docutils' own directives (note, warning, table, …), then Sphinx's as code, as nothing, or as
    their content."""
    bare = name.split(":")[-1]
    if bare in SILENT:
        return _Silent, []
    if bare in CODE:
        return _Code, []
    if bare.startswith("auto"):  # autodoc: the text written by hand in it, not what it generates
        return _Body, []
    cls, messages = _ORIGINAL_DIRECTIVE(name, language_module, document)
    if cls is not None:
        return cls, messages
    return (_Body if bare in CONTENT_ONLY else _Content), []


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


class _Code(CodeBlock):
    """docutils' code directive taking Sphinx's options too (":caption:", ":emphasize-lines:", …);
    a block with an option it did not know was left out whole."""

    option_spec = None  # set below: CodeBlock's options, and any other as text


class _Body(_Silent):
    """Its content only (".. only:: html", ".. autoclass:: Foo" and the text written in it)."""

    def run(self):
        node = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


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


_Code.option_spec = _AnyOption(CodeBlock.option_spec)
_ORIGINAL_ROLE, _ORIGINAL_DIRECTIVE = roles.role, directives.directive
