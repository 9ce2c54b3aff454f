"""Word (.docx) -> HTML (mammoth) -> qa.htmldoc's title, text and blocks, like a reStructuredText file.

mammoth (BSD) writes a document's structure as plain HTML: Word's Heading 1-6 styles as
`<h1>`-`<h6>`, lists as `<ul>`/`<ol>`, tables as `<table>`, footnotes at the end. So sections,
FAQ-style headings ("How do I …?"), list items and table rows with their column names read as
they do in a page, and citation offsets refer to the text `GET /api/documents/{id}` serves.
Images are left out (their bytes are never read); the title is the one in the document's
properties, else its first `<h1>`, else its file name.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from xml.etree import ElementTree

from qa import htmldoc
from qa.corpus import Block
from qa.errors import CorpusError

_PLACEHOLDER = re.compile(r"^(untitled|document\d*|title)$|\.(docx?|odt|pdf)$", re.I)


def convert(data: bytes, default_title: str) -> tuple[str, str, list[Block], tuple[int, ...]]:
    """(title, document text, blocks, pages): a Word document has no fixed pages, so `pages` is ()."""
    import mammoth

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            title = core_title(z)
        result = mammoth.convert_to_html(io.BytesIO(data),
                                         convert_image=mammoth.images.img_element(lambda image: {"alt": ""}))
    except (zipfile.BadZipFile, zipfile.LargeZipFile):
        raise CorpusError("it is not a Word .docx file (not a zip archive; an old .doc must be saved as .docx)") from None
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, ElementTree.ParseError, EOFError, OSError) as e:
        raise CorpusError(f"it is not a readable Word document ({type(e).__name__}: {e})") from None
    head = f"<title>{html.escape(title)}</title>" if title else ""
    title, text, blocks = htmldoc.convert(f"<!doctype html><html><head>{head}</head><body>{result.value}</body></html>",
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
    return "" if _PLACEHOLDER.search(title) else title
