"""Word (.docx) -> HTML (mammoth) -> qa.htmldoc's title, text and blocks, like a reStructuredText file.

mammoth (BSD) writes a document's structure as plain HTML: Word's Heading 1-6 styles as
`<h1>`-`<h6>`, lists as `<ul>`/`<ol>`, tables as `<table>`, footnotes at the end. So sections,
FAQ-style headings ("How do I …?"), list items and table rows with their column names read as
they do in a page, and citation offsets refer to the text `GET /api/documents/{id}` serves.
A paragraph style of the document's own that Word shows as a heading (an outline level, its own or
inherited from the style it is based on: "Question", based on Heading 2) is a heading of that level
too (`style_map`); mammoth itself knows only Word's built-in heading names.
Images are left out (their bytes are never read); the title is the one in the document's
properties, else its Title-style paragraph or first heading, else its file name. Footnotes and
endnotes are read at the end, their marks ("[1]") kept where they stand.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
import zlib
from xml.etree import ElementTree
from xml.parsers.expat import ExpatError

from qa import htmldoc
from qa.corpus import PLACEHOLDER_TITLE, Block
from qa.errors import CorpusError

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound-file signature of .doc and of encrypted .docx
_BACKLINK = re.compile(r'\s*<a href="#(?:footnote|endnote)-ref-[^"]*">\u2191</a>')
_MEDIA = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".svg", ".webp", ".bin")
MAX_XML_BYTES = 32 * 2**20  # a .docx whose XML unpacks to more is refused: reading it takes ~40x that in memory
# Word's Title style is the document's title, as its first heading; its Subtitle a paragraph
STYLE_MAP = "p[style-name='Title'] => h1:fresh\np[style-name='Subtitle'] => p:fresh"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_BUILT_IN_HEADING = re.compile(r"heading ([1-9])", re.I)  # Word's own heading styles, by name
# what mammoth maps already (its default style map), and the Title/Subtitle of STYLE_MAP
_MAPPED = re.compile(r"[Hh]eading [1-6]|Heading|Title|Subtitle")


def convert(data: bytes, default_title: str) -> tuple[str, str, list[Block], tuple[int, ...]]:
    """(title, document text, blocks, pages): a Word document has no fixed pages, so `pages` is ()."""
    import mammoth

    if data.startswith(_OLE):
        raise CorpusError("it is an OLE file, not a .docx: an old Word .doc, or a .docx saved with a password; "
                          "save it as .docx without a password to index it")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            # every part but images and embedded objects (never read) counts: a relationship may point
            # the document anywhere in the archive, and the core properties are read whole
            xml = sum(i.file_size for i in z.infolist() if not i.filename.lower().endswith(_MEDIA))
            if xml > MAX_XML_BYTES:
                raise CorpusError(f"its text is {xml / 2**20:.0f} MB of XML once unpacked; qa reads at most "
                                  f"{MAX_XML_BYTES // 2**20} MB (split the document)")
            title, styles = core_title(z), style_map(z)
        result = mammoth.convert_to_html(io.BytesIO(data), style_map=styles,
                                         convert_image=mammoth.images.img_element(lambda image: {"alt": ""}))
    except (zipfile.BadZipFile, zipfile.LargeZipFile):
        raise CorpusError("it is not a Word .docx file (not a zip archive; an old .doc must be saved as .docx)") from None
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, ElementTree.ParseError, ExpatError, EOFError,
            OSError, RecursionError, zlib.error) as e:
        raise CorpusError(f"it is not a readable Word document ({type(e).__name__}: {str(e)[:200]})") from None
    body = _BACKLINK.sub("", result.value)  # a note's way back to its mark ("↑") is no text
    head = f"<title>{html.escape(title)}</title>" if title else ""
    title, text, blocks = htmldoc.convert(f"<!doctype html><html><head>{head}</head><body>{body}</body></html>",
                                          default_title)
    return title, text, blocks, ()


def core_title(z: zipfile.ZipFile) -> str:
    """dc:title of docProps/core.xml, unless missing or a placeholder ("Document1", "report.docx")."""
    try:
        root = ElementTree.fromstring(z.read("docProps/core.xml"))
    except (KeyError, ElementTree.ParseError):
        return ""
    node = root.find("{http://purl.org/dc/elements/1.1/}title")
    title = " ".join((node.text or "").split()) if node is not None else ""
    return "" if PLACEHOLDER_TITLE.search(title) else title


def style_map(z: zipfile.ZipFile) -> str:
    """STYLE_MAP and a heading rule for each paragraph style that Word shows as a heading (in its
    navigation pane) but mammoth does not: one with an outline level (w:outlineLvl 0-8 is heading
    level 1-9; 9 is body text), its own or inherited through w:basedOn, Word's "heading N" styles
    being level N. Levels beyond 6 are <h6>."""
    try:
        root = ElementTree.fromstring(z.read(_part(z, _part(z, "", "officeDocument", "word/document.xml"), "styles",
                                                   "word/styles.xml")))
    except (KeyError, ElementTree.ParseError):
        return STYLE_MAP
    styles = {}  # style id -> (name, based on, own outline level)
    for st in root.iter(_W + "style"):
        if st.get(_W + "type") != "paragraph" or not st.get(_W + "styleId"):
            continue
        name, based, level = st.find(_W + "name"), st.find(_W + "basedOn"), st.find(f"{_W}pPr/{_W}outlineLvl")
        styles[st.get(_W + "styleId")] = (name.get(_W + "val") if name is not None else None,
                                          based.get(_W + "val") if based is not None else None,
                                          level.get(_W + "val") if level is not None else None)

    def outline(sid: str, seen: set) -> int | None:
        name, based, level = styles[sid]
        if level is not None:
            return int(level) if level.isdigit() and int(level) < 9 else None
        if name and (m := _BUILT_IN_HEADING.fullmatch(name)):
            return int(m.group(1)) - 1
        seen.add(sid)
        return outline(based, seen) if based in styles and based not in seen else None

    rules = [STYLE_MAP]
    for sid, (name, _, _) in styles.items():
        if name and name.isprintable() and not _MAPPED.fullmatch(name) and (level := outline(sid, set())) is not None:
            quoted = name.replace("\\", "\\\\").replace("'", "\\'")
            rules.append(f"p[style-name='{quoted}'] => h{min(level + 1, 6)}:fresh")
    return "\n".join(rules)


def _part(z: zipfile.ZipFile, source: str, kind: str, default: str) -> str:
    """The part that `source`'s relationship of `kind` names (the package's own relationships when
    `source` is ""), else `default`."""
    folder, _, name = source.rpartition("/")
    try:
        rels = ElementTree.fromstring(z.read(posixpath.join(folder, "_rels", f"{name}.rels")))
    except (KeyError, ElementTree.ParseError):
        return default
    for rel in rels.iter(_REL + "Relationship"):
        if rel.get("Type", "").endswith("/" + kind) and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            return posixpath.normpath(target[1:] if target.startswith("/") else posixpath.join(folder, target))
    return default
