"""PDF (qa.pdfdoc) and Word .docx (qa.docxdoc) documents: converted to HTML, then read as HTML."""

import io
from pathlib import Path

import pytest

from makedocs import docx, pdf, text_lines
from qa import pdfdoc
from qa.corpus import load_corpus
from qa.index import DocInfo

FIXTURE = Path(__file__).parent / "fixtures" / "baseten-funding.pdf"  # the article printed to PDF by Chromium


def manual() -> bytes:
    """Two pages with a running header, page numbers, a heading per size, an FAQ question, a
    paragraph cut by the page break, a list and a command in a monospaced font."""
    return pdf([
        [(72, 760, 8, "F1", "Widget Manual - draft"),
         *text_lines(72, 700, 18, ["Widget guide"], "F2"),
         *text_lines(72, 660, 11, ["The widget turns things. It was built in 2020 for the",
                                   "office and man-", "agement teams."]),
         *text_lines(72, 600, 14, ["How do I reset it?"], "F2"),
         *text_lines(72, 570, 11, ["Hold the button for ten seconds until the light", "blinks twice; then release it and"]),
         (300, 30, 9, "F1", "1")],
        [(72, 760, 8, "F1", "Widget Manual - draft"),
         *text_lines(72, 700, 11, ["wait for the co-", "led display."]),
         *text_lines(72, 660, 14, ["Which parts are there?"], "F2"),
         (72, 630, 11, "F1", "\u2022 A dial for the speed"),
         (72, 616.8, 11, "F1", "\u2022 A lever which goes on"),
         (84, 603.6, 11, "F1", "past its line"),
         *text_lines(72, 570, 11, ["Run this to reset it from a shell:"]),
         *text_lines(72, 550, 10, ["widget --reset --force"], "F3"),
         (300, 30, 9, "F1", "2")]], title="Widget Manual")


def read(tmp_path: Path, files: dict[str, bytes]):
    corpus = tmp_path / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    warnings: list[str] = []
    return load_corpus(corpus, warn=warnings.append), warnings


def by_section(doc) -> dict[str, list]:
    out: dict[str, list] = {}
    for p in doc.passages:
        out.setdefault(p.section, []).append(p)
    return out


def test_a_pdf_reads_as_its_pages_show_it(tmp_path):
    [doc], warnings = read(tmp_path, {"manual.pdf": manual()})
    assert warnings == []
    assert doc.title == "Widget Manual"  # the document information's Title
    assert "Widget Manual - draft" not in doc.text  # the running header
    assert not any(line.strip() in ("1", "2") for line in doc.text.splitlines())  # page numbers
    sections = by_section(doc)
    [reset] = sections["Widget guide > How do I reset it?"]
    assert reset.question == "How do I reset it?"  # a heading asking a question is an FAQ entry
    # one paragraph across the page break; "man-agement" joined (a known word), "co-led" kept
    assert "until the light blinks twice; then release it and wait for the co-led display." in reset.text
    [intro] = sections["Widget guide"]
    assert "office and management teams." in intro.text
    parts = " ".join(p.text for p in sections["Widget guide > Which parts are there?"])
    assert "A lever which goes on past its line" in parts  # a list item's second line is its own
    assert "\u2022" not in parts
    assert "widget --reset --force" in parts  # the command is cited with what introduces it ...
    for p in doc.passages:  # ... but no sentence of it is code, and every offset holds
        assert doc.text[p.start:p.end] == p.text
        for a, b in p.sentences:
            assert "widget --reset" not in doc.text[a:b]


def table_page(rows: list[tuple[str, ...]], header_font: str = "F2", xs=(72, 200, 330)) -> list[tuple]:
    """A page: a heading, a paragraph, the rows as a table (one under the other, 18 pt apart; the
    cells at `xs`, or at xs[i] for row i when it is a tuple of tuples), and a paragraph under it."""
    page = [*text_lines(72, 700, 20, ["Widget plans"], "F2"),
            *text_lines(72, 660, 11, ["Every plan includes the widget and free updates for a year."])]
    for i, row in enumerate(rows):
        at = xs[i] if isinstance(xs[0], tuple) else xs
        page += [(x, 620 - 18 * i, 11, header_font if i == 0 else "F1", cell) for x, cell in zip(at, row) if cell]
    return page + text_lines(72, 600 - 18 * len(rows), 11, ["Prices do not include tax. Ask sales for more seats."])


def test_a_pdf_table_reads_row_by_row_with_its_column_names(tmp_path):
    rows = [("Plan", "Price", "Seats"), ("Basic", "$19 a month", "1"), ("Pro", "$49 a month", "5"),
            ("Team", "$99 a month", "")]  # a cell left empty stays empty, in its column
    [doc], warnings = read(tmp_path, {"plans.pdf": pdf([table_page(rows)])})
    assert warnings == []
    texts = [p.text for p in doc.passages]
    assert "Plan: Pro | Price: $49 a month | Seats: 5" in doc.text
    assert "Plan: Team | Price: $99 a month" in doc.text and "Seats: \n" not in doc.text
    assert any(t.startswith("Every plan includes") for t in texts) and "Prices do not include tax." in doc.text
    assert doc.text.index("Every plan") < doc.text.index("Plan | Price | Seats") < doc.text.index("Prices do not")
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text


def test_a_pdf_table_without_a_bold_first_row_has_no_column_names(tmp_path):
    rows = [("Basic", "$19 a month", "1"), ("Pro", "$49 a month", "5")]
    [doc], _ = read(tmp_path, {"plans.pdf": pdf([table_page(rows, header_font="F1")])})
    assert "Basic | $19 a month | 1" in doc.text and "Pro | $49 a month | 5" in doc.text and ": " not in doc.text


def test_a_sidebar_of_short_lines_beside_short_lines_of_text_is_no_table(tmp_path):
    """Links down the left margin, some of them level with short lines of the text beside them."""
    sidebar = [(72, 620 - 18 * i, 11, "F1", name) for i, name in enumerate(["Home", "Downloads", "Bug tracker", "FAQ",
                                                                           "Mailing list"])]
    text = [(200, 620 - 18 * i, 11, "F1", line) for i, line in enumerate(["", "", "Call it so:", "widget --reset",
                                                                          "and wait."]) if line]
    [doc], _ = read(tmp_path, {"site.pdf": pdf([[*text_lines(72, 700, 20, ["Widget"], "F2"), *sidebar, *text]])})
    assert " | " not in doc.text and "Mailing list" in doc.text and "widget --reset" in doc.text


@pytest.mark.parametrize("rows,xs", [
    ([("Basic", "$19 a month"), ("Pro", "$49 a month")], (72, 200)),  # two columns need three rows
    ([("Plan", "Price", "Seats"), ("Basic", "Pro", "$49")], ((72, 200, 330), (72, 200, 260))),  # two in one column
])
def test_short_pieces_side_by_side_that_are_no_table_stay_lines(tmp_path, rows, xs):
    [doc], _ = read(tmp_path, {"plans.pdf": pdf([table_page(rows, header_font="F1", xs=xs)])})
    assert " | " not in doc.text and all(cell in doc.text for row in rows for cell in row)


def test_a_pdf_knows_where_each_page_begins_in_its_text(tmp_path):
    [doc], _ = read(tmp_path, {"manual.pdf": manual()})
    assert doc.pages == (0, doc.text.index("wait for the co-led display"))  # page 2 begins inside a paragraph
    info = DocInfo(doc.id, doc.title, doc.text, doc.sha256, doc.pages)
    assert info.page_at(0) == 1 and info.page_at(doc.pages[1] - 1) == 1
    assert info.page_at(doc.pages[1]) == 2 and info.page_at(len(doc.text)) == 2
    assert DocInfo("a.md", "A", "text", "x").page_at(3) is None
    [word], _ = read(tmp_path / "w", {"x.docx": docx([("Heading1", "Setup"), ("Normal", "Plug it in.")])})
    assert word.pages == ()


def test_a_pdf_without_a_title_is_named_by_its_first_heading_and_paragraphs_split_on_indents(tmp_path):
    # TeX sets paragraphs without space between them: the first line's indent starts one
    page = [*text_lines(72, 700, 16, ["Cache notes"], "F2"),
            (90, 660, 11, "F1", "The cache lives in a folder of its own and is"),
            (72, 646.8, 11, "F1", "cleared on every start."),
            (90, 633.6, 11, "F1", "A second paragraph says that the cache holds"),
            (72, 620.4, 11, "F1", "nothing secret.")]
    [doc], _ = read(tmp_path, {"notes.pdf": pdf([page], title="untitled")})
    assert doc.title == "Cache notes"
    texts = [p.text for p in doc.passages]
    assert any(t.startswith("The cache lives") and t.endswith("start.") for t in texts) or \
        "cleared on every start.\n\nA second" in doc.text
    assert "cleared on every start. A second" not in doc.text


def test_a_monospaced_term_beside_its_definition_heads_it_as_a_dt_does(tmp_path):
    # a definition list laid out as Chromium prints AsciiDoc's: the term, and its definition to the right
    page = [*text_lines(72, 700, 16, ["Extra tools"], "F2"),
            *text_lines(72, 670, 11, ["The current tools are:"]),
            (92, 650, 10, "F3", "query"),
            *text_lines(172, 650, 11, ["dump the inputs and outputs of a given target."]),
            (92, 620, 10, "F3", "browse"),
            *text_lines(172, 620, 11, ["browse the dependency graph in a web browser. Clicking a",
                                       "file focuses the view on that file."]),
            *text_lines(72, 570, 11, ["To see it all at once, run:"]),
            (90, 550, 10, "F3", "ninja -t browse"),
            *text_lines(72, 520, 11, ["That is all there is to it."])]
    [doc], _ = read(tmp_path, {"tools.pdf": pdf([page])})
    sections = {p.section: p.text for p in doc.passages}
    assert sections["Extra tools > query"].endswith("dump the inputs and outputs of a given target.")
    assert "browse the dependency graph in a web browser. Clicking a file" in sections["Extra tools > browse"]
    # the definition list ends where the text is no longer indented under its terms
    assert sections["Extra tools"].endswith("That is all there is to it.")
    assert not any(s.endswith("ninja -t browse") for s in sections)  # a command above prose is still code


def test_small_print_in_the_margin_of_a_one_page_print_is_furniture_but_small_text_inside_is_not(tmp_path):
    page = [(24, 770, 8, "F1", "11/29/26, 3:03 AM"), (300, 770, 8, "F1", "Widget notes"),
            *text_lines(66, 720, 12, ["The widget is serviced once a year by the vendor, who checks the",
                                      "dial, the lever and the seals, and replaces what is worn before",
                                      "it fails; the visit takes about an hour."]),
            *text_lines(66, 660, 8, ["Servicing is free during the first two years."]),
            (24, 20, 8, "F1", "file:///home/fred/notes.html"), (575, 20, 8, "F1", "1/1")]
    [doc], _ = read(tmp_path, {"notes.pdf": pdf([page])})
    assert "AM" not in doc.text.split() and "file:///" not in doc.text and "1/1" not in doc.text
    assert "Servicing is free during the first two years." in doc.text


def test_a_pdf_that_is_not_one_or_has_no_text_is_skipped_with_one_warning_and_the_rest_indexed(tmp_path):
    docs, warnings = read(tmp_path, {"broken.pdf": b"%PDF-1.4\nnot really", "scan.pdf": pdf([[]]),
                                     "ok.md": b"# Fine\n\nThis one is read.\n"})
    assert [d.id for d in docs] == ["ok.md"]
    assert len(warnings) == 2, warnings
    broken = next(w for w in warnings if "broken.pdf" in w)
    assert broken.startswith("warning: skipped") and "not a readable PDF" in broken and "\n" not in broken
    scan = next(w for w in warnings if "scan.pdf" in w)
    assert "no text could be read" in scan and "OCR" in scan


def test_the_article_printed_to_pdf_by_a_browser_reads_as_the_markdown_does(tmp_path):
    [doc], warnings = read(tmp_path, {"article.pdf": FIXTURE.read_bytes()})
    assert warnings == []
    assert doc.title == "Baseten nears $1.5B round"
    assert "file:///" not in doc.text and "AM" not in doc.text.split()  # Chromium's header and footer
    sections = by_section(doc)
    [faq] = sections["Frequently Asked Questions > What is AI inference?"]
    assert faq.question == "What is AI inference?"
    assert faq.text.startswith("AI inference is the process where a trained machine learning model")
    md = Path(__file__).parents[1] / "corpus" / "baseten-funding.md"
    md_text = " ".join(md.read_text(encoding="utf-8").split())
    for p in doc.passages:  # every passage says what the Markdown says, word for word
        assert " ".join(p.text.split()) in md_text, p.text


def test_a_word_document_reads_its_headings_faq_and_tables(tmp_path):
    data = docx([("Heading1", "Setup"), ("Normal", "Plug it in and wait for the green light."),
                 ("Heading2", "Can I use it outdoors?"), ("Normal", "Only under a roof, never in the rain."),
                 ("Heading2", "Prices"), ("table", [["Plan", "Price"], ["Pro", "$49 a month"]])],
                title="Widget notes")
    [doc], warnings = read(tmp_path, {"notes.docx": data})
    assert warnings == []
    assert doc.title == "Widget notes"
    sections = by_section(doc)
    [outdoors] = sections["Setup > Can I use it outdoors?"]
    assert outdoors.question == "Can I use it outdoors?" and outdoors.text == "Only under a roof, never in the rain."
    assert "$49 a month" in " ".join(p.text for p in sections["Setup > Prices"])
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text


def style(sid: str, name: str, based: str | None = None, level: str | None = None) -> str:
    from xml.sax.saxutils import quoteattr

    return (f'<w:style w:type="paragraph" w:styleId="{sid}"><w:name w:val={quoteattr(name)}/>'
            + (f'<w:basedOn w:val="{based}"/>' if based else "")
            + (f'<w:pPr><w:outlineLvl w:val="{level}"/></w:pPr>' if level is not None else "") + "</w:style>")


def test_a_word_document_s_own_heading_styles_are_headings_by_their_outline_level(tmp_path):
    styles = [style("Chapter", "Chapter", level="0"),  # an outline level of its own: level 1
              style("Question", "Question", based="Heading2"),  # inherited from Word's heading 2
              style("BobsQ", "Bob's \\ \"Q\"", based="Question"),  # a name to quote; inherited twice
              style("Loop1", "Loop one", based="Loop2"), style("Loop2", "Loop two", based="Loop1"),  # a cycle
              style("Body", "Body heading", based="Heading1", level="9"),  # level 9: body text, whatever it is based on
              style("Heading7", "heading 7")]  # Word's own, which mammoth does not map
    data = docx([("Chapter", "Setup"), ("Normal", "Plug it in and wait for the green light."),
                 ("Heading7", "Fine print"), ("Normal", "Keep the receipt."),
                 ("Question", "Can I use it outdoors?"), ("Normal", "Only under a roof, never in the rain."),
                 ("BobsQ", "Can I drop it?"), ("Normal", "From a table, yes."),
                 ("Loop1", "Going round in circles."), ("Body", "Not a heading at all.")],
                title="Widget notes", styles=styles)
    [doc], warnings = read(tmp_path, {"own.docx": data})
    assert warnings == []
    sections = by_section(doc)
    [outdoors] = sections["Setup > Can I use it outdoors?"]
    assert outdoors.question == "Can I use it outdoors?" and outdoors.text == "Only under a roof, never in the rain."
    [drop] = sections["Setup > Can I drop it?"]
    assert drop.question == "Can I drop it?" and drop.text.startswith("From a table, yes.")
    assert "Going round in circles." in drop.text and "Not a heading at all." in drop.text
    assert [p.text for p in sections["Setup > Fine print"]] == ["Keep the receipt."]


def test_a_word_document_s_styles_are_found_where_its_relationships_say(tmp_path):
    import zipfile

    from qa.docxdoc import style_map

    buf = io.BytesIO(docx([("Normal", "x")], styles=[style("Chapter", "Chapter", level="0")]))
    moved = io.BytesIO()
    with zipfile.ZipFile(buf) as z, zipfile.ZipFile(moved, "w") as out:
        for item in z.infolist():
            data = z.read(item)
            if item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b'Target="styles.xml"', b'Target="../parts/s.xml"')
            out.writestr("parts/s.xml" if item.filename == "word/styles.xml" else item.filename, data)
    with zipfile.ZipFile(moved) as z:
        assert "p[style-name='Chapter'] => h1:fresh" in style_map(z).splitlines()
    with zipfile.ZipFile(buf) as z:  # and in the usual place
        assert "p[style-name='Chapter'] => h1:fresh" in style_map(z).splitlines()


@pytest.mark.parametrize("title,expected", [(None, "Setup"), ("Document1", "Setup"), ("report.docx", "Setup")])
def test_a_word_document_without_a_real_title_is_named_by_its_first_heading(tmp_path, title, expected):
    [doc], _ = read(tmp_path, {"x.docx": docx([("Heading1", "Setup"), ("Normal", "Plug it in.")], title=title)})
    assert doc.title == expected


def test_a_word_document_that_is_not_one_is_skipped_with_one_warning(tmp_path):
    docs, warnings = read(tmp_path, {"old.docx": b"\xd0\xcf\x11\xe0 an old binary .doc renamed",
                                     "ok.md": b"# Fine\n\nThis one is read.\n"})
    assert [d.id for d in docs] == ["ok.md"]
    [w] = warnings
    assert "old.docx" in w and "not a Word .docx file" in w


def test_hyphenation_is_undone_only_for_known_words():
    lines = [pdfdoc.Line(1, 72, 300, 700 - 13 * i, 711 - 13 * i, t, 11, False, False)
             for i, t in enumerate(["the man-", "agement of co-", "led and Anglo-", "Saxon ELE-", "MENTS, as -",
                                    "in a list"])]
    assert pdfdoc.joined(lines, frozenset({"management", "elements"})) == \
        "the management of co-led and Anglo-Saxon ELEMENTS, as - in a list"


@pytest.mark.model
def test_the_article_as_pdf_answers_with_citations_into_the_served_text(real_embedder, tmp_path):
    from fastapi.testclient import TestClient

    from qa.api import create_app
    from qa.config import Settings
    from qa.engine import Engine

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "article.pdf").write_bytes(FIXTURE.read_bytes())
    engine = Engine(Settings(corpus=corpus, index=tmp_path / "index", data=tmp_path / "data"),
                    log=lambda line: None, embedder=real_embedder)
    r = engine.ask("what is inference?")
    assert r.answered and r.citations[0].source.endswith("article.pdf")
    assert r.citations[0].section == "Frequently Asked Questions > What is AI inference?"
    assert r.answer in r.citations[0].text
    assert not engine.ask("who is Baseten's CEO?").answered
    with TestClient(create_app(engine.settings, engine)) as client:
        served = client.get("/api/documents/article.pdf").json()
    for c in r.citations:
        assert served["text"][c.start:c.end] == c.text
    # the article prints on two pages; its last FAQ entry is on the second
    assert served["pages"] == [0, served["text"].index("Is a $13 billion valuation realistic")]
    realistic = engine.ask("is $13B realistic?")
    assert engine.page_of(realistic.citations[0]) == 2 and engine.page_of(r.citations[0]) == 1
    from qa import render
    assert "(page 2)" in render.text(realistic, page=engine.page_of).splitlines()[2]
    assert "(page" not in render.text(realistic)


def test_an_index_keeps_a_pdfs_pages_and_a_rebuild_that_reuses_the_document_keeps_them(fake_engine):
    from qa.index import Index

    engine = fake_engine({"manual.pdf": manual(), "notes.md": "# Notes\n\nPlain text has no pages.\n"})
    pages = engine.index.doc_by_id["manual.pdf"].pages
    assert len(pages) == 2 and pages[0] == 0
    assert Index.load(engine.settings.index).doc_by_id["manual.pdf"].pages == pages
    assert engine.index.doc_by_id["notes.md"].pages == ()
    (engine.settings.corpus / "notes.md").write_text("# Notes\n\nPlain text still has no pages.\n")
    again = fake_engine({})  # the same folders: only notes.md changed, manual.pdf is reused as indexed
    assert again.index.doc_by_id["manual.pdf"].pages == pages


def test_the_first_line_of_every_page_is_text_when_it_says_something_else_each_time(tmp_path):
    # one FAQ entry per page: every page opens at the same height, with a heading of its own
    pages = [[*text_lines(72, 740, 16, [f"What is part {n}?"], "F2"),
              *text_lines(72, 710, 11, [f"Part {n} is the {word} of the widget, fitted at the factory."])]
             for n, word in enumerate(["dial", "lever", "seal", "spring"], 1)]
    [doc], warnings = read(tmp_path, {"faq.pdf": pdf(pages, title="Widget FAQ")})
    assert warnings == []
    assert [p.question for p in doc.passages] == [f"What is part {n}?" for n in range(1, 5)]
    assert doc.pages == tuple(doc.text.index(f"What is part {n}?") for n in range(1, 5))


def test_a_wrapped_line_that_opens_like_a_list_marker_goes_on_its_paragraph(tmp_path):
    page = [*text_lines(72, 700, 11, ["The widget was designed in 1998 by the engineer",
                                      "J. Smith and her team, who also built the dial. The",
                                      "details are in the appendix, see",
                                      "p. 12 for the full story. Claims take five days",
                                      "- sometimes longer in December - to process."]),
            *text_lines(72, 620, 11, ["Its parts are:"]),
            *text_lines(72, 600, 11, ["- a dial", "- a lever"])]
    [doc], _ = read(tmp_path, {"story.pdf": pdf([page])})
    assert ("The widget was designed in 1998 by the engineer J. Smith and her team, who also built the dial. "
            "The details are in the appendix, see p. 12 for the full story. Claims take five days - sometimes "
            "longer in December - to process.") in doc.text
    assert "Its parts are:\n\n- a dial\n\n- a lever" in doc.text  # list items (a dash is text: "* ret_len")


def test_page_starts_hold_when_a_page_opens_with_a_short_common_line_or_a_hyphenated_word(tmp_path):
    pages = [text_lines(72, 700, 11, ["Charge the device before first use. Keep it dry and store",
                                      "the device in its case when it is not in use."]),
             text_lines(72, 700, 11, ["the device. Recharge it every night with the supplied man-",
                                      "ual cable, never another."]),
             text_lines(72, 700, 11, ["agement teams answer calls on weekdays from nine to five."])]
    pages[1][0] = (72, 700, 11, "F1", "Returns are accepted within thirty days; look after")
    [doc], _ = read(tmp_path, {"p.pdf": pdf(pages)})
    assert doc.pages[1] == doc.text.index("Returns are accepted")
    assert doc.pages[2] == doc.text.index("agement teams") and doc.pages[2] > doc.pages[1]


def test_a_price_or_a_drop_cap_set_large_is_not_a_heading_and_placeholder_titles_are_ignored(tmp_path):
    page = [*text_lines(72, 700, 16, ["Pricing"], "F2"), *text_lines(72, 670, 11, ["The Pro plan costs:"]),
            *text_lines(72, 630, 28, ["$49"]), *text_lines(72, 600, 11, ["per month, billed yearly."])]
    [doc], _ = read(tmp_path, {"price.pdf": pdf([page], title="(anonymous)")})
    assert doc.title == "Pricing"
    assert "$49" in doc.text and all("$49" not in p.section for p in doc.passages)


def test_glyphs_without_characters_and_sideways_text_are_left_out_with_a_warning(tmp_path):
    page = [(72, 700, 11, "F1", "The Pro plan costs forty-nine dollars a month, and the Basic plan costs nine."),
            (72, 680, 11, "F4", "00140019"),
            (300, 300, 11, "F1", "A table turned on its side", 90),
            (72, 660, 11, "F1", "Both are billed yearly.")]
    [doc], warnings = read(tmp_path, {"plans.pdf": pdf([page])})
    assert "A table turned" not in doc.text and "(cid" not in doc.text and "Both are billed yearly." in doc.text
    assert len(warnings) == 2 and all("plans.pdf" in w for w in warnings), warnings
    assert "2 of its characters could not be read" in warnings[0]
    assert "characters of text set sideways" in warnings[1]


def test_a_pdf_whose_text_is_all_glyphs_without_characters_is_skipped(tmp_path):
    docs, warnings = read(tmp_path, {"glyphs.pdf": pdf([[(72, 700, 11, "F4", "0014001900200021")]]),
                                     "ok.md": b"# Fine\n\nThis one is read.\n"})
    assert [d.id for d in docs] == ["ok.md"]
    [w] = warnings
    assert "glyphs.pdf" in w and "no Unicode map" in w


def test_a_page_turned_for_display_is_read_as_its_text_was_set(tmp_path):
    page = text_lines(72, 700, 11, ["Hello world from a landscape page, read as it was written."])
    [doc], warnings = read(tmp_path, {"turned.pdf": pdf([page], rotate=90)})
    assert warnings == [] and "Hello world from a landscape page, read as it was written." in doc.text


def test_a_paragraph_cut_by_a_column_break_is_joined_again(tmp_path):
    page = [*text_lines(72, 700, 11, ["The left column tells how the widget is set up: plug it",
                                      "in, wait for the light, and then"]),
            *text_lines(320, 700, 11, ["press the button twice to pair it with the phone.",
                                       "Pairing takes a minute."])]
    [doc], _ = read(tmp_path, {"cols.pdf": pdf([page])})
    assert "and then press the button twice to pair it with the phone." in doc.text


def test_a_pdf_with_no_pages_is_skipped_saying_so(tmp_path):
    docs, warnings = read(tmp_path, {"empty.pdf": pdf([]), "ok.md": b"# Fine\n\nThis one is read.\n"})
    assert [d.id for d in docs] == ["ok.md"] and len(warnings) == 1 and "has no pages" in warnings[0]


def test_a_word_documents_title_style_names_it_and_opens_no_section(tmp_path):
    data = docx([("Title", "Widget Handbook"), ("Normal", "Everything about the widget."),
                 ("Heading1", "Getting started"), ("Normal", "Plug it in.")])
    [doc], _ = read(tmp_path, {"h.docx": data})
    assert doc.title == "Widget Handbook"
    assert {p.text: p.section for p in doc.passages}["Plug it in."] == "Getting started"


def test_a_notes_way_back_to_its_mark_is_not_text():
    from qa.docxdoc import _BACKLINK

    html = ('<p>Hold it<sup><a href="#footnote-1" id="footnote-ref-1">[1]</a></sup>.</p><ol><li id="footnote-1">'
            '<p> Counted by the light. <a href="#footnote-ref-1">\u2191</a></p></li></ol>')
    assert _BACKLINK.sub("", html).count("\u2191") == 0 and "[1]" in _BACKLINK.sub("", html)


def test_a_password_protected_or_old_word_file_and_an_oversized_one_are_skipped_saying_why(tmp_path, monkeypatch):
    from qa import docxdoc

    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    monkeypatch.setattr(docxdoc, "MAX_XML_BYTES", 2000)
    big = docx([("Normal", "word " * 1000)])
    docs, warnings = read(tmp_path, {"locked.docx": ole, "big.docx": big, "ok.md": b"# Fine\n\nThis one is read.\n"})
    assert [d.id for d in docs] == ["ok.md"] and len(warnings) == 2
    assert "OLE file" in next(w for w in warnings if "locked.docx" in w)
    assert "MB of XML once unpacked" in next(w for w in warnings if "big.docx" in w)


def test_a_blank_page_takes_no_text_from_the_page_before_it(tmp_path):
    pages = [text_lines(72, 700, 11, ["The warranty lasts five years from the day of purchase."]), [],
             text_lines(72, 700, 11, ["Returns are accepted within thirty days."]), []]
    [doc], _ = read(tmp_path, {"w.pdf": pdf(pages)})
    info = DocInfo(doc.id, doc.title, doc.text, doc.sha256, doc.pages)
    assert info.page_at(doc.text.index("The warranty")) == 1
    assert info.page_at(doc.text.index("Returns are")) == 3
    assert doc.pages[1] == doc.pages[2] and doc.pages[3] == len(doc.text)


def running_pages(header: tuple, n: int = 3) -> list[list[tuple]]:
    """n pages of a paragraph cut by each page break, under a header line made by header(page)."""
    return [[header(k), *text_lines(72, 660, 10, [f"Page {k} text goes on about the widget and its",
                                                  "battery and then the"])] for k in range(1, n + 1)]


@pytest.mark.parametrize("header", [
    lambda k: (72, 740, 12, "F2", "ACME Corporation Employee Handbook"),  # larger than the text, word for word
    lambda k: (72, 740, 11, "F1", f"Page {k}"),  # a page number set larger
    lambda k: (72, 740, 10, "F1", ["Installing the widget", "Charging it", "Cleaning it"][k - 1]),  # a section's name
])
def test_running_headers_go_whatever_their_size_or_words(tmp_path, header):
    [doc], _ = read(tmp_path, {"h.pdf": pdf(running_pages(header))})
    assert "ACME" not in doc.text and "Page 2\n" not in doc.text and "Installing" not in doc.text
    assert "battery and then the Page 2 text goes on" in doc.text  # and the paragraphs join across the breaks


def test_a_heading_beside_a_columns_prose_is_a_heading_and_short_page_edge_words_are_text(tmp_path):
    page = [*text_lines(72, 700, 14, ["1 Introduction"], "F2"),
            *text_lines(72, 680, 10, ["The widget is introduced here with a long line of prose text",
                                      "that fills the left column of the page as papers do."]),
            *text_lines(320, 700, 10, ["The results are given here with another long line of prose",
                                       "that fills the right column of the page, as papers do."]),
            *text_lines(320, 680, 14, ["2 Results"], "F2"),  # beside the left column's prose
            *text_lines(320, 660, 10, ["Then the results section goes on in the right column."])]
    edge = [*text_lines(72, 760, 10, ["CLI"], "F2"), *text_lines(72, 700, 10, ["The CLI costs $49 a year, since 2026."]),
            (72, 30, 8, "F3", "export PATH=/bin"), *text_lines(72, 60, 10, ["That is the variable to set."])]
    [doc], _ = read(tmp_path, {"paper.pdf": pdf([page, edge])})
    assert {"1 Introduction", "2 Results"} <= {p.section.split(" > ")[-1] for p in doc.passages}
    assert "CLI" in doc.text.split() and "export PATH=/bin" in doc.text  # a short heading and code at the edges


def test_a_flush_left_bullet_list_and_a_star_in_code_like_prose(tmp_path):
    page = [*text_lines(72, 700, 11, ["The package contains", "\u2022 one widget with a cable", "\u2022 two spare batteries",
                                      "The size is given as int", "* ret_len bytes, see below."])]
    [doc], _ = read(tmp_path, {"box.pdf": pdf([page])})
    assert "The package contains\n\none widget with a cable\n\ntwo spare batteries" in doc.text
    assert "The size is given as int * ret_len bytes, see below." in doc.text


def test_a_capital_after_a_column_break_starts_a_paragraph(tmp_path):
    page = [*text_lines(72, 700, 11, ["For billing questions contact Jane Doe, Accounts,", "phone 555 0100"]),
            *text_lines(320, 700, 11, ["Shipping is free on all orders over fifty dollars."])]
    [doc], _ = read(tmp_path, {"c.pdf": pdf([page])})
    assert "phone 555 0100 Shipping" not in doc.text and "Shipping is free" in doc.text


def test_a_page_of_one_line_does_not_hide_the_next_pages_start(tmp_path):
    pages = [text_lines(72, 700, 11, ["Results"]), text_lines(72, 700, 11, ["Results are good, as the table shows."])]
    [doc], _ = read(tmp_path, {"r.pdf": pdf(pages)})
    assert doc.pages == (0, doc.text.index("Results are good"))


def test_every_part_of_a_word_document_counts_toward_its_size_limit(tmp_path, monkeypatch):
    import zipfile

    from qa import docxdoc

    buf = io.BytesIO(docx([("Normal", "Plug it in.")]))
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr("content/elsewhere.xml", "<x>" + "y" * 5000 + "</x>")
    monkeypatch.setattr(docxdoc, "MAX_XML_BYTES", 4000)
    docs, warnings = read(tmp_path, {"moved.docx": buf.getvalue(), "ok.md": b"# Fine\n\nThis one is read.\n"})
    assert [d.id for d in docs] == ["ok.md"] and "MB of XML once unpacked" in warnings[0]


def test_lettered_items_code_columns_and_one_letter_terms(tmp_path):
    page = [*text_lines(72, 700, 11, ["You must do these things:", "A. Use a title of your own.",
                                      "B. List the authors. C. is not an item here."]),
            *text_lines(72, 640, 10, ["35     111    1134 /etc/hosts"], "F3"),
            (92, 610, 10, "F3", "U"), *text_lines(172, 610, 11, ["Total number of CPU-seconds that the process used."])]
    [doc], _ = read(tmp_path, {"fmt.pdf": pdf([page])})
    assert "You must do these things:\n\nA. Use a title of your own.\n\nB. List the authors." in doc.text
    assert "35     111    1134 /etc/hosts" in doc.text  # code keeps the spaces that line up its columns
    assert all(not p.section.endswith("U") for p in doc.passages)  # a one-letter term heads nothing


def test_first_lines_that_differ_only_in_their_numbers_are_text(tmp_path):
    # a changelog: every page opens with a release note like the one before, but its own
    pages = [text_lines(72, 740, 11, [f"Release note {k}: fixed bug number {1000 + k} in the firmware.",
                                      f"The fix shipped in version 2.{k} for every model."]) for k in range(4)]
    [doc], _ = read(tmp_path, {"changes.pdf": pdf(pages)})
    assert doc.text.count("Release note") == 4


def test_slide_titles_at_one_height_on_every_page_are_headings_not_furniture(tmp_path):
    slides = [[*text_lines(40, 740, 18, [title], "F2"), *text_lines(40, 690, 11, [f"{title} is what this slide says."])]
              for title in ["Motivation", "Method", "Results", "Conclusion"]]
    [doc], _ = read(tmp_path, {"deck.pdf": pdf(slides, title="Widget drop study")})
    assert [p.section for p in doc.passages] == ["Motivation", "Method", "Results", "Conclusion"]


def test_an_initial_opening_a_line_is_prose_and_lettered_items_go_in_order(tmp_path):
    page = [*text_lines(72, 700, 11, ["The widget was designed in 1998 by a small team of engineers.",
                                      "J. Smith said the dial was the hardest part, and the rest of the",
                                      "device took only three months."]),
            *text_lines(72, 640, 11, ["Do these things:", "A. Use a title of your own.", "B. List the authors.",
                                      "D. is a grade, not an item."])]
    [doc], _ = read(tmp_path, {"s.pdf": pdf([page])})
    assert "engineers. J. Smith said the dial was the hardest part, and the rest of the device took" in doc.text
    assert "Do these things:\n\nA. Use a title of your own.\n\nB. List the authors.\n\nD. is a grade" in doc.text


def test_commands_before_an_indented_paragraph_are_code_not_a_definition_list(tmp_path):
    page = [*text_lines(72, 700, 11, ["To put them back as they left the factory, run these commands:"]),
            *text_lines(72, 680, 10, ["widget --reset", "widget --start"], "F3"),
            (90, 650, 11, "F1", "This restores the defaults and restarts the device. The light"),  # TeX's indent
            (72, 636.8, 11, "F1", "blinks twice when it is done.")]
    [doc], _ = read(tmp_path, {"t.pdf": pdf([page])})
    assert all("widget --reset" not in p.section for p in doc.passages)
    assert "run these commands:\n\nwidget --reset\nwidget --start" in doc.text


def test_a_chapter_name_running_near_the_text_over_its_pages_is_furniture(tmp_path):
    pages = [[(72, 740, 10, "F1", f"Chapter {1 + k // 4}: {['Setup', 'Use', 'Care'][k // 4]}"),
              *text_lines(72, 714, 10, [f"Body text of page {k} about the widget, which goes on and on."])]
             for k in range(12)]
    [doc], _ = read(tmp_path, {"book.pdf": pdf(pages)})
    assert "Chapter" not in doc.text and doc.text.count("Body text of page") == 12


def test_code_keeps_its_indentation_and_a_title_is_not_the_header_that_repeats_it(tmp_path):
    pages = [[(24, 770, 8, "F1", "Widget manual"), *text_lines(72, 720, 20, ["Widget manual"], "F2"),
              *text_lines(72, 680, 11, ["Run this:"]),
              (72, 660, 10, "F3", "def reset(widget):"), (96, 648, 10, "F3", "widget.stop()"),
              (96, 636, 10, "F3", "if widget.on:"), (120, 624, 10, "F3", "widget.off()")],
             [(24, 770, 8, "F1", "Widget manual"), *text_lines(72, 720, 11, ["That is all."])]]
    [doc], _ = read(tmp_path, {"m.pdf": pdf(pages)})
    assert "def reset(widget):\n    widget.stop()\n    if widget.on:\n        widget.off()" in doc.text
    assert doc.title == "Widget manual" and doc.text.count("Widget manual") == 1  # the title, once
