"""A document's bytes -> its text: UTF-8; UTF-16 with its byte-order mark (what "Unicode text"
exports write); an HTML page in the character set it declares, read as browsers read it.

Anything else raises CorpusError, whose message the build gives as its one warning for the file:
a guess between Latin-1 and windows-1252 (or any other single-byte set) would put wrong
characters into citations, so undeclared text that is not UTF-8 is not guessed at.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from qa.errors import CorpusError

UTF8_BOM, UTF16_BOMS, UTF32_BOMS = b"\xef\xbb\xbf", (b"\xff\xfe", b"\xfe\xff"), (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
CONVERT = "save it as UTF-8 (e.g. iconv -f windows-1252 -t utf-8)"
PRESCAN_BYTES = 1024  # browsers look for a <meta> charset this far into the page
# characters that text does not hold: controls other than white space, unassigned and private code
# points. UTF-16 decodes any even run of bytes; text is the kind where these are (almost) absent
NOT_TEXT_SHARE = 0.01

# what browsers decode a declared label as (the WHATWG Encoding Standard): a superset of it, which
# Python names otherwise; labels not listed are looked up in Python's codecs
_AS_BROWSERS_READ = {
    **dict.fromkeys(("iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii",
                     "windows-1252", "cp1252", "cp819", "ibm819", "x-cp1252"), "cp1252"),
    **dict.fromkeys(("iso-8859-9", "iso8859-9", "latin5", "l5", "windows-1254"), "cp1254"),
    **dict.fromkeys(("tis-620", "iso-8859-11", "windows-874", "dos-874"), "cp874"),
    **dict.fromkeys(("gb2312", "gb_2312", "gb_2312-80", "chinese", "csgb2312", "x-gbk", "gbk"), "gbk"),
    **dict.fromkeys(("euc-kr", "ks_c_5601-1987", "ks_c_5601-1989", "korean", "windows-949", "csksc56011987"),
                    "cp949"),
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j",
                     "ms932"), "cp932"),
    **dict.fromkeys(("big5", "big5-hkscs", "cn-big5", "x-x-big5", "csbig5"), "big5hkscs"),
}
_UTF16_LABELS = ("utf-16", "utf-16le", "utf-16be", "utf16", "unicode", "ucs-2", "unicodefffe", "csunicode")

_COMMENT_OR_SCRIPT = re.compile(rb"<!--.*?(?:-->|\Z)|<script\b.*?(?:</script\s*>|\Z)", re.I | re.S)
_META = re.compile(rb"<meta\b([^>]*)>", re.I)
_ATTR = re.compile(rb"""([\w:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_CHARSET_IN_CONTENT = re.compile(rb"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_XML_DECLARATION = re.compile(rb"""<\?xml\b[^>]*?\bencoding\s*=\s*["']([\w.:-]+)["']""", re.I)


def decode(raw: bytes, where: str, html: bool) -> str:
    """The text of a document's bytes; `where` names it in the error; `html`: the document is an
    HTML page, which may declare its character set."""
    if raw.startswith(UTF32_BOMS):
        return utf16(raw, where, "utf-32")
    if raw.startswith(UTF16_BOMS):
        return utf16(raw, where)
    if b"\x00" in raw:  # text has none; a binary file or UTF-16 has them (valid UTF-8 all the same)
        raise CorpusError(f"'{where}' holds NUL bytes: it is binary, or text not saved as UTF-8 (UTF-16 without a "
                          f"byte-order mark?).")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        bad = e.start
    if raw.startswith(UTF8_BOM):  # the mark says UTF-8, whatever the page declares (as browsers read it)
        raise CorpusError(f"'{where}' starts with a UTF-8 byte-order mark but is not UTF-8 text (bad byte at "
                          f"position {bad}); {CONVERT}.")
    label = declared(raw) if html else ""
    if not label:
        raise CorpusError(f"'{where}' is not UTF-8 text (bad byte at position {bad}); {CONVERT}.")
    codec = python_codec(label)
    if codec is None:
        raise CorpusError(f"'{where}' declares a character set qa does not know ({label}); {CONVERT}.")
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as e:
        raise CorpusError(f"'{where}' is not text in the character set it declares ({label}; bad byte at position "
                          f"{e.start}); save it as UTF-8 (e.g. iconv -f {label} -t utf-8).") from None


def utf16(raw: bytes, where: str, codec: str = "utf-16") -> str:
    """Text behind a UTF-16 (or UTF-32) byte-order mark; a binary file that happens to start with
    one is found by what it decodes to."""
    name, width = codec.upper(), 2 if codec == "utf-16" else 4
    if len(raw) % width:
        raise CorpusError(f"'{where}' starts with a {name} byte-order mark but its length is not a multiple of "
                          f"{width} bytes (a byte added by a tool that writes UTF-8?); save it as UTF-8 (e.g. iconv "
                          f"-f {codec} -t utf-8).")
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as e:
        raise CorpusError(f"'{where}' starts like {name} text but is not (bad bytes at position {e.start}).") from None
    odd = sum(1 for c in text if unicodedata.category(c) in ("Cc", "Cn", "Co") and c not in "\t\n\r\f\v")
    if "\x00" in text or odd > NOT_TEXT_SHARE * len(text):
        raise CorpusError(f"'{where}' is binary: it starts like {name} text but holds characters text does not.")
    return text


def declared(raw: bytes) -> str:
    """The character set an HTML page declares in its first PRESCAN_BYTES, lower case ("" for none):
    an XML declaration's encoding, or the first <meta charset> or <meta http-equiv="Content-Type"
    content="…; charset=…"> outside comments and scripts."""
    head = raw[:PRESCAN_BYTES]
    if m := _XML_DECLARATION.match(head.lstrip()):
        return m.group(1).decode("ascii").lower()
    for meta in _META.finditer(_COMMENT_OR_SCRIPT.sub(b" ", head)):
        attrs = {k.lower(): v.strip(b"\"'") for k, v in _ATTR.findall(meta.group(1))}
        if b"charset" in attrs:
            label = attrs[b"charset"]
        elif attrs.get(b"http-equiv", b"").lower() == b"content-type" and \
                (m := _CHARSET_IN_CONTENT.search(attrs.get(b"content", b""))):
            label = m.group(1)
        else:
            continue
        return label.strip().decode("ascii", "replace").lower()
    return ""


def python_codec(label: str) -> str | None:
    """The Python codec that reads a declared label as browsers do; None for a label no browser
    decodes with (UTF-16 declared in a page of bytes: browsers read UTF-8, which failed already;
    "base64", "rot13": not character sets) or that Python does not know."""
    if label in _UTF16_LABELS:
        return None
    if label in _AS_BROWSERS_READ:
        return _AS_BROWSERS_READ[label]
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None
