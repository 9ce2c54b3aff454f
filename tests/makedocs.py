"""Small, real PDF and Word (.docx) files written from a description, for the readers' tests.

`pdf` writes PDF 1.4 with the standard Type 1 fonts (no embedding; text in WinAnsiEncoding), each
line of text placed where the test says, as a layout program would; `docx` writes the parts of a
WordprocessingML package that Word itself needs (styles, core properties, one document part).
"""

from __future__ import annotations

import io
import math
import zipfile
from xml.sax.saxutils import escape

FONTS = {"F1": "Helvetica", "F2": "Helvetica-Bold", "F3": "Courier"}
LETTER = (612, 792)


def pdf(pages: list[list[tuple]], title: str | None = None, rotate: int = 0) -> bytes:
    """pages: per page, its lines as (x, y, size, font, text) or (x, y, size, font, text, angle),
    y from the bottom, the text turned by `angle` degrees; font F1 regular, F2 bold, F3
    monospaced, F4 a composite font without a Unicode map (text: its glyph ids in hex, "0014").
    `rotate`: every page turned by that many degrees for display (/Rotate)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below, when the pages' object number is known
    pages_no = add(b"")
    fonts = {name: add(f"<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>".encode())
             for name, base in FONTS.items()}
    cid = add(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Helvetica /CIDSystemInfo << /Registry (Adobe) "
              b"/Ordering (Identity) /Supplement 0 >> /DW 500 >>")
    fonts["F4"] = add(f"<< /Type /Font /Subtype /Type0 /BaseFont /Helvetica /Encoding /Identity-H "
                      f"/DescendantFonts [{cid} 0 R] >>".encode())
    font_dict = " ".join(f"/{name} {no} 0 R" for name, no in fonts.items())
    kids = []
    for lines in pages:
        ops = []
        for x, y, size, font, text, *turn in lines:
            if font == "F4":
                shown = b"<%s>" % text.encode()
            else:
                shown = b"(%s)" % text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
            a = math.radians(turn[0]) if turn else 0.0
            ops.append(b"BT /%s %.1f Tf %.4f %.4f %.4f %.4f %.1f %.1f Tm %s Tj ET"
                       % (font.encode(), size, math.cos(a), math.sin(a), -math.sin(a), math.cos(a), x, y, shown))
        stream = b"\n".join(ops)
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(add(f"<< /Type /Page /Parent {pages_no} 0 R /MediaBox [0 0 {LETTER[0]} {LETTER[1]}] /Rotate {rotate} "
                        f"/Resources << /Font << {font_dict} >> >> /Contents {content} 0 R >>".encode()))
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_no} 0 R >>".encode()
    objects[pages_no - 1] = (f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] "
                             f"/Count {len(kids)} >>").encode()
    info = add(b"<< /Title (%s) >>" % title.encode("latin-1")) if title is not None else None
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for no, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (no, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % off for off in offsets)
    trailer = f"<< /Size {len(objects) + 1} /Root {catalog} 0 R" + (f" /Info {info} 0 R" if info else "") + " >>"
    out.write(f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def text_lines(x: float, y: float, size: float, lines: list[str], font: str = "F1", leading: float = 1.2):
    """Lines set one under the other from (x, y) down, as a paragraph's."""
    return [(x, y - i * size * leading, size, font, line) for i, line in enumerate(lines)]


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(body: list[tuple[str, object]], title: str | None = None, styles: list[str] | None = None) -> bytes:
    """body: ("Title" / "Heading1" / "Heading2" / "Normal", text) paragraphs and ("table", rows) tables,
    rows a list of lists of cell texts. `styles`: more paragraph styles, each a <w:style> element's
    XML (a paragraph names one by its w:styleId)."""
    def para(style: str, text: str) -> str:
        return (f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>'
                f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>')

    parts = []
    for kind, content in body:
        if kind == "table":
            rows = "".join("<w:tr>" + "".join(f"<w:tc>{para('Normal', c)}</w:tc>" for c in row) + "</w:tr>"
                           for row in content)
            parts.append(f"<w:tbl>{rows}</w:tbl>")
        else:
            parts.append(para(kind, content))
    document = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}"><w:body>{"".join(parts)}</w:body></w:document>'
    styles = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="{W}">'
              + "".join(f'<w:style w:type="paragraph" w:styleId="{sid}"><w:name w:val="{name}"/></w:style>'
                        for sid, name in (("Normal", "Normal"), ("Title", "Title"), ("Heading1", "heading 1"),
                                          ("Heading2", "heading 2")))
              + "".join(styles or []) + "</w:styles>")
    core = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties '
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            + (f"<dc:title>{escape(title)}</dc:title>" if title is not None else "") + "</cp:coreProperties>")
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                   '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
                   '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
                   "</Types>")
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="word/document.xml"/>'
                   '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
                   "</Relationships>")
        z.writestr("word/_rels/document.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel}/styles" Target="styles.xml"/></Relationships>')
        z.writestr("word/document.xml", document)
        z.writestr("word/styles.xml", styles)
        z.writestr("docProps/core.xml", core)
    return out.getvalue()
