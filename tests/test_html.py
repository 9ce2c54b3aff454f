import hashlib
import time
from pathlib import Path

import pytest

from qa.corpus import Document, load_corpus, load_document
from qa.htmldoc import convert


@pytest.fixture(autouse=True)
def blocks_as_passages(monkeypatch):
    """These tests check the blocks the HTML converter makes, so short blocks are not joined into
    one passage here (qa.corpus.merge_short, tested in test_corpus.py)."""
    monkeypatch.setattr("qa.corpus.MIN_PASSAGE_CHARS", 0)


def load(write_corpus, html: str, name: str = "page.html") -> Document:
    corpus = write_corpus({name: html})
    return load_document(corpus / name, name)


def assert_offsets_exact(doc: Document) -> None:
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text
        for s, e in p.sentences:
            assert p.start <= s < e <= p.end
            assert doc.text[s:e].strip() == doc.text[s:e]


# Each case: a page and the passage texts it must give, in order. Offsets must slice doc.text exactly.
EDGE_CASES = {
    "entities": ("<p>AT&amp;T&nbsp;is caf&eacute; &#8217;s &#x2014; &lt;b&gt; &copy 2024 infer&shy;ence.</p>",
                 ["AT&T is café ’s — <b> © 2024 inference."]),
    "nested_inline": ("<p>A <a href='#'><em>very <strong>deeply</strong></em> <span><code>nested</code></span></a> link.</p>",
                      ["A very deeply nested link."]),
    "broken_tags": ("<p>one <b>bold <i>both</b> italic</i> end<p>second para<div>unclosed div</span>",
                    ["one bold both italic end", "second para", "unclosed div"]),
    "dropped": ("""<header>Banner</header><nav><a>Home</a></nav><script>var secret = 1;</script>
                   <style>p { color: red }</style><noscript>Enable JS</noscript><template><p>tmpl</p></template>
                   <p>Kept body text.<!-- a comment --></p><aside><a href="/more">Also read</a> <a href="/x">this</a></aside><form><p>Sign up</p></form>
                   <button>Click</button><iframe src="x"></iframe><svg><text>Chart</text></svg>
                   <div role="navigation">Menu</div><div role="banner">Logo</div><div aria-hidden="true">Icon</div>
                   <footer>Copyright</footer><div role="contentinfo">Legal</div>""",
                ["Kept body text."]),
    # <header> inside an article or section is its heading and lede; an <aside> that is prose (docutils
    # notes, sidebars, topics, footnotes) is read
    "scoped_header_and_prose_aside": ("""<header><p>Site banner</p></header><main><article><header><p>Portal lede.</p>
                   </header><p>Body.</p><aside class="admonition note"><p>Note: sessions expire after 12 hours.</p>
                   </aside><aside><a href="/a">Related</a> <a href="/b">pages</a></aside></article></main>""",
                                      ["Portal lede.", "Body.", "Note: sessions expire after 12 hours."]),
    # navigation bars written without <nav> (Texinfo, DocBook) are dropped when they are mostly links;
    # a "header" div of prose is read
    "class_named_navigation": ("""<div class="header"><p>Previous: <a href="a.html">Closure Example</a>, Up:
                   <a href="u.html">Using libffi</a> [<a href="i.html">Index</a>]</p></div><p>A closure is a function.</p>
                   <table class="navheader"><tr><td><a href="p.html">Prev</a></td><td><a href="u.html">Up</a></td></tr>
                   </table><div id="breadcrumbs"><a href="/">Home</a> / <a href="/docs">Docs</a></div>
                   <div class="header"><p>This header holds prose about closures and one <a href="x">link</a>.</p></div>""",
                               ["A closure is a function.", "This header holds prose about closures and one link."]),
    "non_ascii": ("<p>Zürich naïve façade — 日本語の文。 Rockets 🚀 launch.</p>", ["Zürich naïve façade — 日本語の文。 Rockets 🚀 launch."]),
    "br": ("<p>line one<br>line two<br/>line three</p>", ["line one line two line three"]),
    "whitespace": ("<p>\n  lots \n\t of   space\u00a0\u00a0here  </p>", ["lots of space here"]),
    "lists": ("<ul><li>First item.<li>Second <b>item</b>.<li>Parent<ul><li>Child.</ul></ul><ol><li>Third.</li></ol>",
              ["First item.", "Second item.", "Parent", "Child.", "Third."]),
    "table": ("<table><tr><th>Plan<th>Price<tr><td>Basic<td>$5 a month<tr><td><td>only second</table>",
              ["Plan: Basic | Price: $5 a month", "Price: only second"]),  # the header row is served, not an answer
    # a row under a header row reads with its column names; a row of another width, or a table
    # without headers, as it is
    "table_headers": ("<table><tr><td>a<td>b</table><table><thead><tr><th>K</th><th>V</th></tr></thead><tbody>"
                      "<tr><th>x</th><td>1</td></tr><tr><td>y</td><td>2</td><td>extra</td></tr></tbody></table>",
                      ["a | b", "K: x | V: 1", "y | 2 | extra"]),
    # code is never a passage of its own (it joins a paragraph that introduces it with a colon)
    "blockquote_pre": ("<blockquote>Quoted text.</blockquote><pre>def f():\n    return 1\n\n</pre>",
                       ["Quoted text."]),
    "pre_introduced": ("<p>Add this:</p><pre>def f():\n    return 1\n\n</pre><p>Done.</p>",
                       ["Add this:\n\ndef f():\n    return 1", "Done."]),
    "div_direct_text": ("<div>Before.<p>Inside.</p>After.</div>", ["Before.", "Inside.", "After."]),
    "bare_text": ("Just text. No tags at all.", ["Just text. No tags at all."]),
    "crlf": ("<p>Windows\r\nline ends.</p>\r\n<p>Second.</p>", ["Windows line ends.", "Second."]),
    "deep_nesting": ("<div>" * 3000 + "<p>Deep text.</p>" + "</div>" * 3000, ["Deep text."]),
}


@pytest.mark.parametrize("name", EDGE_CASES)
def test_edge_cases_give_exact_passages(write_corpus, name: str):
    html, expected = EDGE_CASES[name]
    doc = load(write_corpus, html)
    assert [p.text for p in doc.passages] == expected
    assert_offsets_exact(doc)


@pytest.mark.parametrize("html, name, title", [
    ("<title> Help &amp; FAQ </title><h1>Other</h1><p>x</p>", "p.html", "Help & FAQ"),
    ("<h1>First <em>heading</em></h1><p>x</p><h1>Second</h1>", "p.html", "First heading"),
    ("<header><h1>Site name</h1></header><h1>Article</h1><p>x</p>", "p.html", "Article"),
    ("<p>No title anywhere.</p>", "shipping-policy.htm", "Shipping policy"),
    ("\ufeff<html><head><noscript><img src=x></noscript><title>Kept</title></head><p>x</p>", "p.html", "Kept"),
])
def test_title_from_title_tag_then_first_h1_then_file_name(write_corpus, html: str, name: str, title: str):
    assert load(write_corpus, html, name).title == title


def test_headings_build_the_section_path(write_corpus):
    doc = load(write_corpus, """<title>Guide</title><p>Intro.</p><h1>Guide</h1><p>Lead.</p><h2>Setup</h2><p>Install it.</p>
        <h3>On Linux</h3><p>Use apt.</p><h2>Usage</h2><p>Run it.</p>""")
    assert [(p.section, p.text) for p in doc.passages] == [
        ("Guide", "Intro."), ("Guide", "Lead."), ("Setup", "Install it."),
        ("Setup > On Linux", "Use apt."), ("Usage", "Run it.")]
    assert "\n\nSetup\nInstall it.\n\nOn Linux\nUse apt." in doc.text  # headings on their own lines
    assert not any(p.question for p in doc.passages)


def test_a_heading_inside_a_section_heads_only_that_section(write_corpus):
    """Generated docs wrap a "Table of contents" <h2> in its own <section>: the <h3> sections after
    it are not below it. An FAQ entry begun inside a section ends with it too."""
    doc = load(write_corpus, """<h1>Logging</h1><section><h2>Contents</h2><p>See below.</p></section>
        <h3>Levels</h3><p>Pick one.</p><article><h2>Why log?</h2><p>To debug.</p></article><p>Outside.</p>""")
    assert [(p.section, p.text, p.question) for p in doc.passages] == [
        ("Contents", "See below.", ""), ("Levels", "Pick one.", ""), ("Why log?", "To debug.", "Why log?"),
        ("Levels", "Outside.", "")]
    assert_offsets_exact(doc)


@pytest.mark.parametrize("toc, dropped", [
    ('<ul><li><a href="#a">Alpha</a></li><ul><li><a href="#b"><code>beta</code></a></li></ul></ul>', True),
    ('<ol><li><a href="#a">Alpha</a></li><li><a href="#b">Beta</a></li></ol>', True),
    ('<ul><li><a href="#a">Alpha</a> explains the first step</li><li><a href="#b">Beta</a></li></ul>', False),
    ('<ul><li><a href="https://x.org/a">Alpha</a></li><li><a href="#b">Beta</a></li></ul>', False),
    ('<ul><li><a href="#a">Alpha</a></li></ul>', False),  # one link: a list item that links, not a contents list
    # DocBook: a <dl>, entries numbered outside their links, nested in a <dd>; in a box named "toc" with a title
    ('<div class="toc"><p><b>Table of Contents</b></p><dl><dt>1. <a href="#a">Alpha</a></dt><dd><dl><dt>1.1. '
     '<a href="#a1">Alpha one</a></dt><dt>1.2. <a href="#a2">Alpha two</a></dt></dl></dd><dt>A <a href="#b">Beta</a>'
     '</dt></dl></div>', True),
    ('<dl><dt><a href="#a">Alpha</a></dt><dt>IV. <a href="#b">Beta</a></dt></dl>', True),
    # SQLite's: a box of <div>s of links, with a toggle that links nowhere and its title
    ('<div class="fancy_toc"><a onclick="toggle()">Table Of Contents</a><div><div class="fancy-toc1"><a href="#a">'
     '1. Alpha</a></div><div class="fancy-toc1"><a href="#b">2. Beta</a></div></div></div>', True),
    ('<dl><dt><a href="#a">Alpha</a></dt><dd>What the first step does.</dd><dt><a href="#b">Beta</a></dt></dl>', False),
    # a page's body named "contents" that opens with its table of contents is read, but for the list
    ('<div class="contents"><ul><li><a href="#a">Alpha</a></li><li><a href="#b">Beta</a></li></ul>'
     '<p>This guide walks through the two steps in order, the first of them twice.</p></div>', "body"),
])
def test_a_table_of_contents_is_navigation_not_text(write_corpus, toc, dropped):
    doc = load(write_corpus, f"<h1>Doc</h1>{toc}<h2>Alpha</h2><p>First.</p><h2>Beta</h2><p>Second.</p>")
    texts = [p.text for p in doc.passages]
    assert texts[-2:] == ["First.", "Second."]
    if dropped == "body":
        assert texts == ["This guide walks through the two steps in order, the first of them twice.", "First.", "Second."]
    else:
        assert (len(texts) == 2) is dropped
    assert_offsets_exact(doc)


def test_paragraphs_inside_table_cells_are_part_of_the_row(write_corpus):
    """docutils (reStructuredText) and many generators wrap each cell's text in <p>: the row still
    reads as one row with its column names, not as a paragraph per cell."""
    doc = load(write_corpus, "<h1>Vars</h1><table><thead><tr><th><p>Variable</p></th><th><p>Description</p></th></tr>"
                             "</thead><tbody><tr><td><p>token</p></td><td><p>AWS Token.</p><p>Temporary.</p></td></tr>"
                             "</tbody></table><p>After the table.</p>")
    assert "Variable: token | Description: AWS Token. Temporary." in doc.text
    assert "\ntoken\n" not in doc.text
    # the header row is in the served text, never a sentence (it says nothing about any one row)
    assert "Variable | Description" in doc.text
    assert not any("Variable | Description" in doc.text[a:b] for p in doc.passages for a, b in p.sentences)
    assert_offsets_exact(doc)


def test_tables_of_contents_go_and_what_only_looks_like_one_stays(write_corpus):
    """docutils links each heading back to its table of contents (<a class="toc-backref">) and Sphinx
    adds a permalink (¶): the heading's words stay, the mark goes (it hid the question); a list of
    in-page links inside a definition list is a table of contents; a page body named "contents"
    (Doxygen) is read even when it is mostly links."""
    doc = load(write_corpus, '<h1><a class="toc-backref" href="#id7">Normals Segmentation</a></h1><p>Intro text here.</p>'
                             '<h2><a class="toc-backref" href="#id8">How do I install it?</a><a class="headerlink" '
                             'href="#install">¶</a></h2><p>Run pip install pcl.</p>')
    assert doc.title == "Normals Segmentation"
    assert [(p.section, p.question, p.text) for p in doc.passages][-1] == (
        "How do I install it?", "How do I install it?", "Run pip install pcl.")
    nested = load(write_corpus, '<h1>D</h1><dl><dt>Contents</dt><dd><ul><li><a href="#a">Alpha</a></li><li>'
                                '<a href="#b">Beta</a></li></ul></dd></dl><h2>Alpha</h2><p>First.</p>')
    assert "Beta" not in nested.text
    body = load(write_corpus, '<h1>D</h1><div class="contents"><table><tr><td><a href="#x">int foo_bar_baz</a> '
                              '(handle_t *h)</td></tr><tr><td>Opens the handle. <a href="#y">More...</a></td></tr>'
                              '</table></div>')
    assert "Opens the handle." in body.text and "foo_bar_baz" in body.text
    assert_offsets_exact(doc)


def test_question_heading_answer_runs_to_next_heading_of_same_or_higher_level(write_corpus):
    doc = load(write_corpus, """<h1>FAQ</h1><h2>How do I pay?</h2><p>By card. Or cash.</p><h3>Invoices</h3>
        <p>Invoices too.</p><h2>Other</h2><p>More.</p>""")
    first, second = doc.passages
    assert first.question == "How do I pay?" and first.section == "How do I pay?"
    assert first.text == "By card. Or cash.\n\nInvoices\nInvoices too."
    assert first.id == "page.html#how-do-i-pay"
    assert second.section == "Other" and not second.question
    assert_offsets_exact(doc)


def test_details_summary_is_an_faq_entry(write_corpus):
    doc = load(write_corpus, """<h2>Billing</h2><details><summary>Can I <b>cancel</b>?</summary><p>Yes, any time.</p>
        <p>No fee.</p></details><details><summary>More info</summary><p>Plain toggle.</p></details><p>After.</p>""")
    assert [(p.question, p.section, p.text) for p in doc.passages] == [
        ("Can I cancel?", "Billing > Can I cancel?", "Yes, any time.\n\nNo fee."),
        ("", "Billing", "More info"), ("", "Billing", "Plain toggle."), ("", "Billing", "After.")]
    assert "Can I cancel?\nYes, any time." in doc.text
    assert_offsets_exact(doc)


def test_definition_list_questions_are_faq_entries(write_corpus):
    doc = load(write_corpus, """<title>Help</title><dl><dt>Is it safe?</dt><dd>Yes.</dd><dd>Very.</dd>
        <dt>Does it cost money?</dt><dd>No, it is free.</dd><dt>Glossary term</dt><dd>A definition.</dd></dl>""")
    assert [(p.question, p.section, p.text) for p in doc.passages] == [
        ("Is it safe?", "Help > Is it safe?", "Yes.\n\nVery."),
        ("Does it cost money?", "Help > Does it cost money?", "No, it is free."),
        ("", "Help > Glossary term", "Glossary term"),  # a term that asks nothing heads its definition
        ("", "Help > Glossary term", "A definition.")]
    assert_offsets_exact(doc)


def test_a_definition_list_term_heads_its_definition_and_entries_stay_apart(write_corpus):
    """<dl> of accounts or of command options: each term heads its definition (in the section path,
    and as its first paragraph: it names what the passage is about), and two entries never share a
    passage."""
    doc = load(write_corpus, """<title>Accounts</title><h2>Users</h2><dl>
        <dt>operator</dt><dd><p>Historically used for backups.</p><p>It had uid 37.</p></dd>
        <dt>gnats</dt><dd><p>Used by gnats.</p><dl><dt>-o FILE</dt><dd>Write to FILE.</dd></dl></dd></dl>
        <p>After the list.</p>""")
    assert [(p.section, p.text) for p in doc.passages] == [
        ("Users > operator", "operator"), ("Users > operator", "Historically used for backups."),
        ("Users > operator", "It had uid 37."),
        ("Users > gnats", "gnats"), ("Users > gnats", "Used by gnats."),
        ("Users > gnats > -o FILE", "-o FILE"), ("Users > gnats > -o FILE", "Write to FILE."),
        ("Users", "After the list.")]
    assert_offsets_exact(doc)


def test_definition_list_terms_in_odd_places(write_corpus):
    """Inside an FAQ answer a term is quoted with its definition; several terms head one definition;
    a term with no definition, or a long one, is a paragraph; nesting does not pile up headings."""
    doc = load(write_corpus, """<title>T</title><details><summary>Which options are there?</summary><dl>
        <dt>-v</dt><dd>Print more output.</dd><dt>-q</dt><dd>Print nothing.</dd></dl></details>
        <h2>Options</h2><dl><dt>-o FILE</dt><dt>--output=FILE</dt><dd>Write to FILE.</dd>
        <dt>--lonely</dt></dl>
        <dl><dt>This term is really a whole sentence that explains something at considerable length, on purpose.</dt>
        <dd>And its definition.</dd></dl>""")
    rows = [(p.question, p.section, p.text) for p in doc.passages]
    assert rows[0][0] == "Which options are there?" and "-v" in rows[0][2] and "-q" in rows[0][2]
    assert ("", "Options > -o FILE, --output=FILE", "Write to FILE.") in rows
    assert ("", "Options > -o FILE, --output=FILE", "-o FILE") in rows
    assert ("", "Options", "--lonely") in rows
    assert any(p.section == "Options" and p.text.startswith("This term is really") for p in doc.passages)
    assert "-o FILE\n\n--output=FILE\n\nWrite to FILE." in doc.text
    assert_offsets_exact(doc)
    deep = load(write_corpus, "<dl><dt>term</dt><dd>Some def." * 300 + "</dd></dl>" * 300, name="deep.html")
    assert max(len(p.section) for p in deep.passages) < 100  # at most TERM_DEPTH terms in a path
    assert_offsets_exact(deep)


@pytest.mark.parametrize("html", ["", "   \n", "<html><head><title>T</title></head><body></body></html>",
                                  "<script>only()</script><nav>menu</nav><!-- c -->", "<h1>Only a heading</h1>"])
def test_empty_document_gives_no_passages(write_corpus, html: str):
    doc = load(write_corpus, html)
    assert doc.passages == ()
    warnings: list[str] = []
    corpus = write_corpus({"page.html": html, "other.md": "# O\n\nText here.\n"})
    assert [d.id for d in load_corpus(corpus, warn=warnings.append)] == ["other.md"]
    assert any("page.html" in w and "no text to index" in w for w in warnings)


def test_html_and_htm_are_corpus_documents_with_converted_text(write_corpus):
    corpus = write_corpus({"a.html": "<h2>Returns?</h2><p>Within 30 days.</p>", "b.HTM": "<p>Other page.</p>"})
    docs = {d.id: d for d in load_corpus(corpus, warn=lambda line: None)}
    assert set(docs) == {"a.html", "b.HTM"}
    assert docs["a.html"].text == "Returns?\nWithin 30 days.\n"
    assert docs["a.html"].passages[0].question == "Returns?"
    assert docs["a.html"].sha256 == hashlib.sha256((corpus / "a.html").read_bytes()).hexdigest()  # of the file


def test_convert_api_offsets_point_into_the_rendering():
    title, text, blocks = convert("<title>T</title><h2>Q?</h2><p>A &amp; B.</p><p>Plain.</p>", "Default")
    assert title == "T"
    assert text == "Q?\nA & B.\n\nPlain.\n"
    assert [(text[b.start:b.end], b.headings, b.question) for b in blocks] == [("A & B.\n\nPlain.", ("Q?",), "Q?")]


def test_two_megabyte_page_parses_in_reasonable_time():
    unit = ("<div class='c'><h2>Section {i}</h2><p>Paragraph {i} has <b>bold <i>text</b> and</i> an &amp; entity. "
            "It goes on a little.<p>Unclosed {i}<ul><li>one<li>two</ul><table><tr><td>a<td>b</table></div>"
            "<script>var x = '<p>no</p>';</script><!-- note {i} -->")
    html = "<title>Big</title>" + "".join(unit.format(i=i) for i in range(8000))
    assert len(html.encode()) > 2_000_000
    start = time.perf_counter()
    title, text, blocks = convert(html, "Big")
    elapsed = time.perf_counter() - start
    assert elapsed < 10, f"converting 2 MB took {elapsed:.1f}s"
    assert title == "Big" and len(blocks) == 8000 * 5  # two paragraphs, two items, one row
    assert all(text[b.start:b.end].strip() == text[b.start:b.end] != "" for b in blocks)
    assert "no</p>" not in text and "note" not in text


@pytest.mark.parametrize("html", [
    # 3,000 nested sections, each with an FAQ heading and an unclosed <details>: 62 s before the
    # section scopes popped their frames from the top of the stack instead of filtering all of them
    "<body>" + "".join(f"<section><h2>Q{i}?</h2><details><summary>S{i}?</summary><p>Text {i}.</p>" for i in range(3000)),
    # 5,000 nested lists of in-page links: 14.7 s when every list was checked for a table of contents
    "<body>" + "".join(f"<ul><li><a href='#a{i}'>L{i}</a>" for i in range(5000)) + "<h1>T</h1><p>text</p>",
])
def test_deep_nesting_parses_in_linear_time(html):
    start = time.perf_counter()
    convert(html, "Deep")
    elapsed = time.perf_counter() - start
    assert elapsed < 5, f"took {elapsed:.1f}s"


def test_a_sections_own_header_heads_it(write_corpus):
    """<section><header><h2>Quotas</h2></header>: its heading (it was dropped with the header, and the
    sections ran together into one passage under the page title)."""
    doc = load(write_corpus, """<html><head><title>Portal guide</title></head><body><header><h1>Acme</h1></header>
        <article><header><h1>Portal guide</h1></header>
        <section><header><h2>Quotas</h2></header><p>Each project may create up to 50 widgets.</p></section>
        <section><header><h2>Billing</h2></header><p>Invoices are sent monthly.</p></section></article></body></html>""")
    assert [(p.section, p.text) for p in doc.passages] == [
        ("Quotas", "Each project may create up to 50 widgets."), ("Billing", "Invoices are sent monthly.")]
    assert_offsets_exact(doc)
