import json
import re
from pathlib import Path

import pytest

from qa.corpus import load_corpus, load_document
from qa.errors import CorpusError

# Each case: a document and what must hold for it. Offsets must slice the file text exactly.
EDGE_CASES = {
    "typographic": "# T\n\nBaseten’s “inference gold rush” — it’s here. Next sentence.\n",
    "money": "# T\n\nIt raised $1.5B at a $13B valuation. Then 160% more.\n",
    "non_ascii": "# Café\n\nZürich naïve façade — 日本語の文。 Ünïcödé ends here.\n",
    "crlf": "# T\r\n\r\nWindows line ends. Second one.\r\n",
    "list": "# T\n\n- first item here.\n- second item here.\n",
    "quote": "# T\n\n> quoted text. More quote.\n",
    "emoji": "# T\n\nRockets 🚀 launch. Stars ✨ shine.\n",
    "no_heading": "Just a paragraph. With two sentences.\n",
    "front_matter": "---\ntitle: Hello\n---\n\nBody text here. More body.\n",
    "wrapped": "# T\n\nA paragraph that is\nwrapped over lines. And\ncontinues here.\n",
}


def write_doc(tmp_path: Path, name: str, text: str):
    """The document `name` holding `text` (UTF-8), parsed."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_document(path, name)


def sentences_of(doc) -> list[str]:
    return [doc.text[s:e] for p in doc.passages for s, e in p.sentences]


@pytest.mark.parametrize("name", EDGE_CASES)
def test_offsets_slice_file_text_exactly(tmp_path: Path, name: str):
    path = tmp_path / f"{name}.md"
    path.write_bytes(EDGE_CASES[name].encode("utf-8"))
    doc = load_document(path, path.name)
    text = path.read_bytes().decode("utf-8")
    assert doc.text == text
    assert doc.passages, "every case has body text"
    for p in doc.passages:
        assert text[p.start:p.end] == p.text
        for s, e in p.sentences:
            assert p.start <= s < e <= p.end
            assert text[s:e].strip() == text[s:e]


def test_sentences_split_on_boundaries_not_on_money_or_quotes(tmp_path: Path):
    doc = write_doc(tmp_path, "m.md", EDGE_CASES["money"] + "\nThe “gold rush.” It goes on.\n")
    sentences = sentences_of(doc)
    assert sentences == ["It raised $1.5B at a $13B valuation.", "Then 160% more.", "The “gold rush.”", "It goes on."]


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_hard_wrapped_sentences_run_across_line_breaks(tmp_path: Path, suffix: str):
    """READMEs and mail wrap lines mid-sentence: a line break inside a paragraph is not a sentence end."""
    path = tmp_path / f"w{suffix}"
    path.write_text("This library supersedes the old codec, which only\n  supports the 2003 standard. It is\n"
                    "fast and small.\n\nA new paragraph starts here.\n", encoding="utf-8")
    doc = load_document(path, path.name)
    sentences = sentences_of(doc)
    assert sentences == ["This library supersedes the old codec, which only\n  supports the 2003 standard.",
                         "It is\nfast and small.", "A new paragraph starts here."]


def test_blank_line_inside_a_faq_answer_still_ends_a_sentence():
    from qa.corpus import split_sentences

    text = "First part without a full stop\n\nSecond part\nwrapped."
    assert [text[s:e] for s, e in split_sentences(text, 0, len(text))] == \
        ["First part without a full stop", "Second part\nwrapped."]


@pytest.mark.parametrize("source, seen", [
    ("`cloudpickle` was developed by [picloud.com](http://web.archive.org/x/y) first.",
     "cloudpickle was developed by picloud.com first."),
    ("It is **fast** and *small*, see ![the logo](logo.png).", "It is fast and small, see the logo."),
    ("Use <b>bold</b> &amp; more.", "Use bold & more."),
    ("Plain text with $13B and 160% stays as it is.", "Plain text with $13B and 160% stays as it is."),
])
def test_markdown_inline_markup_is_not_embedded_but_is_cited(tmp_path: Path, source: str, seen: str):
    from qa.index import sentence_texts, unit_texts

    doc = write_doc(tmp_path, "m.md", f"# T\n\n{source}\n")
    assert [doc.passages[0].text] == [source]  # citations quote the source as written
    assert sentence_texts(list(doc.passages)) == [seen]
    assert unit_texts(list(doc.passages))[0][:2] == [seen, seen]  # the sentence and the passage whole
    txt = tmp_path / "m.txt"  # in a plain-text file the same characters are text, not markup
    txt.write_text(source + "\n", encoding="utf-8")
    assert sentence_texts(list(load_document(txt, "m.txt").passages)) == [source]


def test_short_paragraphs_and_list_items_join_their_neighbours_but_not_across_code_or_headings(tmp_path: Path):
    path = tmp_path / "readme.md"
    path.write_text("# Tool\n\nAt a high level it goes like this:\n\n1) First, open it.\n\n2) Then read it.\n\n"
                    "```\ncode here.\n```\n\nAfter the code. Short.\n\n## Other\n\nUnder another heading.\n\n"
                    "## Q?\n\nAn answer.\n\n## Long\n\n" + "A long sentence that goes on. " * 12 + "\n\nNext one.\n",
                    encoding="utf-8")
    doc = load_document(path, "readme.md")
    texts = [p.text for p in doc.passages]
    assert texts[0] == "At a high level it goes like this:\n\n1) First, open it.\n\n2) Then read it."
    assert texts[1:4] == ["After the code. Short.", "Under another heading.", "An answer."]
    assert texts[4].startswith("A long sentence") and texts[4].endswith("Next one.")  # one short side is enough
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text


def test_plain_text_underlined_headings_are_sections_not_sentences(tmp_path: Path):
    path = tmp_path / "README.txt"
    long = " It goes on for a while so that the paragraph stands alone as a passage of its own." * 4
    path.write_text("Tool for Debian\n===============\n\nUpgrade issues\n--------------\n\nThe default changed."
                    + long + "\n\n==========\nOverlined\n==========\nText right under it." + long +
                    "\n\nHow do I reset it?\n------------------\n\nRun reset.\n\nThen restart.\n", encoding="utf-8")
    doc = load_document(path, "README.txt")
    assert [(p.section, p.question) for p in doc.passages] == [
        ("Tool for Debian > Upgrade issues", ""), ("Overlined", ""),
        ("Overlined > How do I reset it?", "How do I reset it?")]  # "=" is the outer level, "-" the inner
    assert doc.passages[2].text == "Run reset.\n\nThen restart."  # an FAQ answer runs to the next heading
    sentences = sentences_of(doc)
    assert not any(set(s) <= set("=-\n") or s in ("Tool for Debian", "Upgrade issues") for s in sentences)
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text


@pytest.mark.parametrize("text, sentences", [
    ("Switch it on in ~/.ssh/config for those hosts. Done.", ["Switch it on in ~/.ssh/config for those hosts.", "Done."]),
    ("As of 1:7.1p1-1 it is set. See https://x.org/bug.cgi?id=2 too.", ["As of 1:7.1p1-1 it is set.",
                                                                        "See https://x.org/bug.cgi?id=2 too."]),
])
def test_no_sentence_ends_without_a_space_after_it(text: str, sentences: list[str]):
    from qa.corpus import split_sentences

    assert [text[s:e] for s, e in split_sentences(text, 0, len(text))] == sentences


@pytest.mark.parametrize("text, sentences", [
    ("Edit them if you like, eg. combining similar ones. Next.", ["Edit them if you like, eg. combining similar ones.",
                                                                  "Next."]),
    ("Use a tool, ie. gzip, to do it. Next.", ["Use a tool, ie. gzip, to do it.", "Next."]),
    ("Done. Eg. if it fails, retry. Next.", ["Done.", "Eg. if it fails, retry.", "Next."]),
    ("Make a veggie. Next.", ["Make a veggie.", "Next."]),  # a word that ends in "ie" is not the abbreviation
    ("A list, eg.\n\nA new paragraph.", ["A list, eg.", "A new paragraph."]),  # a blank line still ends it
    ("A list, eg.\r\rA new paragraph.", ["A list, eg.", "A new paragraph."]),  # with old Mac line ends too
    ("It does not render in IE. Use Firefox instead.", ["It does not render in IE.", "Use Firefox instead."]),
])
def test_no_sentence_ends_after_eg_or_ie(text: str, sentences: list[str]):
    from qa.corpus import split_sentences

    assert [text[s:e] for s, e in split_sentences(text, 0, len(text))] == sentences


@pytest.mark.parametrize("text, sentences", [
    ("Use the X.509 Certificate format. Next.", ["Use the X.509 Certificate format.", "Next."]),
    ("ASN.1, as specified by the X.680 ITU-T recommendation, is parsed. Next.",
     ["ASN.1, as specified by the X.680 ITU-T recommendation, is parsed.", "Next."]),
    ("It speaks X.509\nCertificates as well.", ["It speaks X.509\nCertificates as well."]),  # hard-wrapped
    ("It speaks X.509\n\nCertificates come later.", ["It speaks X.509", "Certificates come later."]),  # a blank line
    ("Version 2.5. Then restart.", ["Version 2.5.", "Then restart."]),  # a full stop of its own
])
def test_no_sentence_ends_after_a_standards_number(text: str, sentences: list[str]):
    from qa.corpus import split_sentences

    assert [text[s:e] for s, e in split_sentences(text, 0, len(text))] == sentences


def test_long_text_without_punctuation_is_split_in_windows_with_exact_offsets():
    from qa.corpus import SPLIT_WINDOW, split_sentences

    text = "word " * (SPLIT_WINDOW // 2) + "End of it. " + "more words " * SPLIT_WINDOW
    spans = split_sentences(text, 0, len(text))
    assert len(spans) > 2 and all(e - s <= SPLIT_WINDOW for s, e in spans)
    assert all(text[s:e] == text[s:e].strip() and text[s:e] for s, e in spans)
    assert " ".join(text[s:e] for s, e in spans).split() == text.split()  # nothing lost, nothing doubled


def test_myst_directive_fences_with_prose_are_read_and_code_fences_are_not(tmp_path: Path):
    from qa.index import sentence_texts

    doc = write_doc(tmp_path, "docs.md", "# Config\n\n(config-file)=\n\n## Location\n\n```{note}\n:class: tip\n\n"
                    "The cache lives in {file}`~/.cache/pip` by default.\n```\n\n"
                    "```{tab} Unix\nGlobal files are read from /etc first.\n```\n\n"
                    "```{code-block} ini\n[global]\ntimeout = 60\n```\n\n```python\nprint('code')\n```\n")
    texts = [p.text for p in doc.passages]
    # the option line, the MyST target and both code fences give nothing; no join across a fence
    assert texts == ["The cache lives in {file}`~/.cache/pip` by default.", "Global files are read from /etc first."]
    assert [p.section for p in doc.passages] == ["Location", "Location > Unix"]  # a tab's label is where it sits
    assert sentence_texts(list(doc.passages))[0] == "The cache lives in ~/.cache/pip by default."  # the role is markup
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text


def test_markdown_sections_and_faq_entries():
    doc = load_corpus(Path(__file__).resolve().parent.parent / "corpus")[0]
    faq = [p for p in doc.passages if p.question]
    assert [p.question for p in faq] == ["What is AI inference?", "Who are Baseten’s main competitors?",
                                         "Is a $13 billion valuation realistic for Baseten?"]
    assert faq[0].section == "Frequently Asked Questions > What is AI inference?"
    assert faq[0].text.startswith("AI inference is the process")
    assert {p.section for p in doc.passages if not p.question} >= {"The details of the deal", "Why this matters"}
    assert doc.title.startswith("Baseten")
    assert not any("Also read" in p.text or "Be the first" in p.text for p in doc.passages)


def test_faq_answer_spans_paragraphs_until_next_heading(tmp_path: Path):
    path = tmp_path / "faq.md"
    path.write_text("# FAQ\n\n## How do I pay?\n\nBy card. Or cash.\n\nInvoices too.\n\n## Other\n\nMore.\n")
    doc = load_document(path, "faq.md")
    first = doc.passages[0]
    assert first.question == "How do I pay?"
    assert first.text == "By card. Or cash.\n\nInvoices too."
    assert doc.passages[1].section == "Other" and not doc.passages[1].question


def test_long_paragraph_is_cut_into_runs_of_whole_sentences(tmp_path: Path):
    path = tmp_path / "long.txt"
    path.write_text(" ".join(f"Sentence number {i} says something of moderate length here." for i in range(40)))
    doc = load_document(path, "long.txt")
    assert len(doc.passages) > 1
    assert all(len(p.text) <= 700 for p in doc.passages)
    assert doc.passages[0].id == "long.txt#p1" and doc.passages[1].id == "long.txt#p2"


def test_txt_paragraphs_split_on_blank_lines(tmp_path: Path):
    path = tmp_path / "notes.txt"
    long = "A sentence of the paragraph goes on here. " * 8  # long enough to stand alone (MIN_PASSAGE_CHARS)
    path.write_text(f"First para line one\nline two. {long}\n\n\nSecond para. {long}\n")
    doc = load_document(path, "notes.txt")
    assert [p.text for p in doc.passages] == [f"First para line one\nline two. {long}".strip(),
                                              f"Second para. {long}".strip()]
    assert doc.title == "Notes"
    assert {p.section for p in doc.passages} == {"Notes"}  # no heading: the title names the section


def test_missing_corpus_names_the_path(tmp_path: Path):
    with pytest.raises(CorpusError, match="nope.*does not exist"):
        load_corpus(tmp_path / "nope")


def test_empty_corpus_is_an_error(tmp_path: Path):
    (tmp_path / "c").mkdir()
    with pytest.raises(CorpusError, match="no documents"):
        load_corpus(tmp_path / "c")


def test_bad_files_are_skipped_with_a_warning_and_the_rest_indexed(write_corpus):
    corpus = write_corpus({"good.md": "# G\n\nFine text.\n", "bad.md": b"\xc3\x28 bad \xff", "empty.md": "   \n"})
    warnings: list[str] = []
    docs = load_corpus(corpus, warn=warnings.append)
    assert [d.id for d in docs] == ["good.md"]
    assert any("bad.md" in w and "UTF-8" in w for w in warnings)
    assert any("empty.md" in w for w in warnings)


def test_files_with_nul_bytes_are_skipped_as_binary_or_utf16(write_corpus):
    corpus = write_corpus({"good.md": "# G\n\nFine text.\n", "zeros.txt": b"\x00" * 100_000,
                           "utf16.txt": "Plain words here.".encode("utf-16-le")})
    warnings: list[str] = []
    docs = load_corpus(corpus, warn=warnings.append)
    assert [d.id for d in docs] == ["good.md"]
    for name in ("zeros.txt", "utf16.txt"):
        assert any(name in w and "NUL bytes" in w and "UTF-16" in w for w in warnings), warnings


def test_utf16_with_a_byte_order_mark_and_html_in_its_declared_charset_are_read(write_corpus):
    """What a "Unicode text" export writes (UTF-16 with a byte-order mark) and an HTML page in the
    character set its <meta> declares are text, not bad encodings; undeclared Latin-1 is still
    skipped, with a way to convert it."""
    latin = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"><title>Caf\xe9'
    corpus = write_corpus({
        "notes.txt": "Crème brûlée sets in four hours.\n".encode("utf-16"),
        "faq.csv": "question,answer\nIs it vegan?,No: it holds cream and eggs.\n".encode("utf-16"),
        "page.html": (latin + '</title></head><body><p>The \x93menu\x94 changes on Fridays.</p></body></html>').encode("latin-1"),
        "ru.html": '<meta charset="koi8-r"><p>Меню меняется по пятницам.</p>'.encode("koi8-r"),
        "old.txt": "Caf\xe9 hours are nine to five.\n".encode("latin-1"),
        "liar.html": '<meta charset="utf-8"><p>Caf\xe9</p>'.encode("latin-1"),
    })
    warnings: list[str] = []
    docs = {d.id: d for d in load_corpus(corpus, warn=warnings.append)}
    said = {i: [d.text[a:b] for p in d.passages for a, b in p.sentences] for i, d in docs.items()}
    assert said["notes.txt"] == ["Crème brûlée sets in four hours."]
    assert said["faq.csv"] == ["No: it holds cream and eggs."] and docs["faq.csv"].passages[0].question == "Is it vegan?"
    assert said["page.html"] == ["The “menu” changes on Fridays."] and docs["page.html"].title == "Café"
    assert said["ru.html"] == ["Меню меняется по пятницам."]
    assert set(docs) == {"notes.txt", "faq.csv", "page.html", "ru.html"}
    assert any("old.txt" in w and "not UTF-8" in w and "iconv" in w for w in warnings), warnings
    assert any("liar.html" in w and "character set it declares (utf-8;" in w for w in warnings), warnings


CAFE = "Caf\xe9 \x93menu\x94".encode("latin-1")  # "Café “menu”" in windows-1252


@pytest.mark.parametrize("raw, html, text, error", [
    (b'<meta charset="windows-1252"><p>' + CAFE, True, "Café “menu”", None),
    (b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<html><p>' + CAFE, True, "Café “menu”", None),
    # browsers read GB2312 as GBK, EUC-KR as windows-949, Shift_JIS as windows-31j: so does qa
    ('<meta charset="gb2312"><p>镕</p>'.encode("gbk"), True, "镕", None),
    ('<meta charset="shift_jis"><p>①～</p>'.encode("cp932"), True, "①～", None),
    # a declaration in a comment or a script, or "charset=" in a description, declares nothing
    (b'<!-- <meta charset="koi8-r"> --><meta charset="windows-1252"><p>' + CAFE, True, "Café “menu”", None),
    (b'<meta name="description" content="Set charset=koi8-r"><meta charset="windows-1252"><p>' + CAFE, True,
     "Café “menu”", None),
    (b'<script>x = \'<meta charset="koi8-r">\'</script><p>' + CAFE, True, None, "not UTF-8 text"),
    # UTF-16 declared in a page of bytes (browsers read UTF-8), a label that is no character set,
    # a UTF-8 byte-order mark that the bytes after it belie: a warning each, never garbage
    (b'<meta charset="utf-16"><p>' + CAFE, True, None, "character set qa does not know (utf-16)"),
    (b'<meta charset="base64"><p>' + CAFE, True, None, "character set qa does not know (base64)"),
    (b"\xef\xbb\xbf<meta charset=\"latin1\"><p>" + CAFE, True, None, "UTF-8 byte-order mark"),
    (b'<meta charset="windows-1252"><p>' + CAFE, False, None, "not UTF-8 text"),  # only HTML declares
    # UTF-16 and UTF-32 behind their marks; an odd byte after; a binary file that starts like one
    ("Crème brûlée.\n".encode("utf-16-be").join([b"\xfe\xff", b""]), False, "Crème brûlée.\n", None),
    ("Crème brûlée.\n".encode("utf-32"), False, "Crème brûlée.\n", None),
    ("Crème brûlée.\n".encode("utf-16") + b"\n", False, None, "not a multiple of 2 bytes"),
    (b"\xff\xfe" + __import__("random").Random(7).randbytes(512), False, None, "starts like UTF-16 text"),
])
def test_encodings_are_read_as_browsers_read_them_or_refused_in_one_line(raw, html, text, error):
    from qa.encoding import decode

    if error is None:
        assert text in decode(raw, "doc", html)
    else:
        with pytest.raises(CorpusError, match=re.escape(error)):
            decode(raw, "doc", html)


def test_faq_jsonl_and_csv_rows_with_ids_and_bad_rows(write_corpus):
    corpus = write_corpus({
        "a.jsonl": '{"id": "q1", "question": "How?", "answer": "Like this. Really."}\nnot json\n{"question": "x"}\n',
        "b.csv": 'question,answer\nWhy?,"Because, that is why."\n',
    })
    warnings: list[str] = []
    docs = {d.id: d for d in load_corpus(corpus, warn=warnings.append)}
    a = docs["a.jsonl"].passages
    assert [p.id for p in a] == ["q1"] and a[0].question == "How?"
    assert docs["a.jsonl"].text[a[0].start:a[0].end] == "Like this. Really."
    assert sum("a.jsonl: line" in w for w in warnings) == 2
    b = docs["b.csv"].passages[0]
    assert b.text == "Because, that is why." and b.id == "b.csv#why"


@pytest.mark.parametrize("name, content", [
    ("semicolons.csv", 'Question;Answer\n"How do I pay?";"By card, or by transfer."\n'),
    ("tabs.csv", "question\tanswer\nHow do I pay?\tBy card, or by transfer.\n"),
    ("pipes.csv", "id|question|answer\npay|How do I pay?|By card, or by transfer.\n"),
    ("capitals.jsonl", '{"Question": "How do I pay?", " ANSWER ": "By card, or by transfer."}\n'),
])
def test_faq_files_as_spreadsheets_and_scripts_write_them(write_corpus, name, content):
    """Excel in much of Europe writes CSV with ";" (the comma is the decimal mark); keys may be
    capitalised as a CSV header's may."""
    docs = load_corpus(write_corpus({name: content}), warn=lambda w: pytest.fail(w))
    [p] = docs[0].passages
    assert (p.question, p.text) == ("How do I pay?", "By card, or by transfer.")


def test_faq_files_without_question_and_answer_say_what_they_have(write_corpus):
    warnings: list[str] = []
    corpus = write_corpus({"good.md": "# G\n\nFine text.\n", "a.csv": "q,a\nx,y\n",
                           "b.jsonl": '{"q": "x", "a": "y"}\n{"question": "x", "answer": 3}\n'})
    load_corpus(corpus, warn=warnings.append)
    assert any("a.csv" in w and "(it names 'q', 'a')" in w for w in warnings), warnings
    assert any("b.jsonl" in w and "line 1: 'question' and 'answer' are needed (it has 'q', 'a')" in w for w in warnings)
    assert any("b.jsonl" in w and "line 2: 'question' and 'answer' must be non-empty text" in w for w in warnings)


def test_faq_files_with_a_byte_order_mark_odd_line_separators_or_half_characters(write_corpus):
    """Excel's "CSV UTF-8" opens with a byte-order mark; json.dumps(ensure_ascii=False) writes U+2028
    and U+0085 raw inside strings; a "\\udc80" escape is half a character, which nothing can embed."""
    rows = [{"question": "Line?", "answer": "One\u2028two\u0085three."},
            {"question": "Half?", "answer": "Bad \udc80 here."},
            {"question": "After?", "answer": "Still read."}]
    corpus = write_corpus({
        "excel.csv": "\ufeffquestion,answer\nWhy?,Because.\n",
        "rows.jsonl": "\ufeff" + "\n".join(json.dumps(r, ensure_ascii=i == 1) for i, r in enumerate(rows)) + "\n",
    })
    warnings: list[str] = []
    docs = {d.id: d for d in load_corpus(corpus, warn=warnings.append)}
    assert [p.question for p in docs["excel.csv"].passages] == ["Why?"]
    assert [p.question for p in docs["rows.jsonl"].passages] == ["Line?", "After?"]
    assert docs["rows.jsonl"].passages[0].text == "One\u2028two\u0085three."
    assert warnings == [w for w in warnings if "rows.jsonl: line 2" in w and "surrogate" in w] and len(warnings) == 1


@pytest.mark.parametrize("given", [".", ".."])
def test_an_faq_id_a_link_cannot_hold_is_replaced_with_a_warning(write_corpus, given):
    """/api/documents/.. is the parent folder to a browser: such an id could never be opened."""
    corpus = write_corpus({"f.jsonl": json.dumps({"id": given, "question": "Why?", "answer": "Because."}) + "\n",
                           "g.csv": f'id,question,answer\n{given},How?,Like so.\n'})
    warnings: list[str] = []
    docs = {d.id: d for d in load_corpus(corpus, warn=warnings.append)}
    assert [p.id for p in docs["f.jsonl"].passages] == ["f.jsonl#why"]
    assert [p.id for p in docs["g.csv"].passages] == ["g.csv#how"]
    assert sum(f"the id '{given}' cannot be used in a link" in w and "line 1" in w for w in warnings) == 1
    assert sum(f"the id '{given}' cannot be used in a link" in w and "line 2" in w for w in warnings) == 1
    assert not any("skipped" in w for w in warnings)  # the entry is kept, and the warning says so


def test_chinese_and_japanese_sentences_stay_apart_though_no_space_follows_their_full_stop():
    from qa.corpus import split_sentences

    text = "今天天气很好。我们去公园散步吧。明天会下雨。"
    assert [text[s:e] for s, e in split_sentences(text, 0, len(text))] == ["今天天气很好。", "我们去公园散步吧。", "明天会下雨。"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_wrapped_lines_join_with_either_line_end_but_list_items_stay_apart(tmp_path: Path, newline: str):
    path = tmp_path / "w.md"
    path.write_bytes(newline.join(["# T", "", "First line wraps here", "and continues.", "", "Options:", "",
                                   "- item one", "- item two", "* item three.", ""]).encode())
    doc = load_document(path, "w.md")
    sentences = sentences_of(doc)
    assert sentences == [f"First line wraps here{newline}and continues.", "Options:", "item one", "item two",
                         "item three."]  # a list item's marker is not part of its sentence
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text


def test_a_labelled_directive_inside_an_faq_answer_is_part_of_the_answer(tmp_path: Path):
    doc = write_doc(tmp_path, "faq.md", "# FAQ\n\n## How do I install?\n\nRun the installer.\n\n```{tab} Unix\nUse apt on Debian.\n```\n\n"
                    "```{note}\nA plain note.\n```\n")
    assert [(p.question, p.section) for p in doc.passages] == [("How do I install?", "How do I install?")]
    assert doc.passages[0].text.endswith("A plain note.")


def test_a_markdown_file_with_a_byte_order_mark_keeps_its_first_heading(tmp_path: Path):
    doc = write_doc(tmp_path, "bom.md", "\ufeff# Guide\n\n## Billing\n\nInvoices are sent monthly.\n")
    assert doc.title == "Guide" and [p.section for p in doc.passages] == ["Billing"]
    assert [p.text for p in doc.passages] == ["Invoices are sent monthly."]


def test_a_rule_after_a_paragraph_is_not_a_heading_and_rules_are_not_sentences(tmp_path: Path):
    doc = write_doc(tmp_path, "notes.txt", "Where it starts\n===============\n\nThe first line of a paragraph\nand its last line.\n"
                    "------------------\n\nMore text after the rule.\n\n*****\n")
    sentences = sentences_of(doc)
    assert sentences == ["The first line of a paragraph\nand its last line.", "More text after the rule."]
    assert {p.section for p in doc.passages} == {"Where it starts"}


def test_an_unclosed_directive_fence_keeps_its_last_line(tmp_path: Path):
    doc = write_doc(tmp_path, "open.md", "# T\n\n```{note}\nFirst line of the note.\n\nLast line of the note.\n")
    assert sentences_of(doc) == ["First line of the note.",
                                                                           "Last line of the note."]



def test_a_sentence_over_a_short_row_of_equals_signs_stays_text(tmp_path: Path):
    doc = write_doc(tmp_path, "u.txt", "Intro line here.\n\nTotal cost of the upgrade is 400 euros.\n===\n\nReal Title\n==========\n\n"
                    "Body text.\n")
    assert [(p.section, [doc.text[s:e] for s, e in p.sentences]) for p in doc.passages] == [
        ("U", ["Intro line here.", "Total cost of the upgrade is 400 euros."]), ("Real Title", ["Body text."])]


def test_nested_list_items_are_sentences_of_their_own(tmp_path: Path):
    path = tmp_path / "n.md"
    path.write_text("# T\n\n- Second item\n  - nested sub item about giraffes\n  - another nested sub item about lions\n",
                    encoding="utf-8")
    doc = load_document(path, "n.md")
    assert sentences_of(doc) == [
        "Second item", "nested sub item about giraffes", "another nested sub item about lions"]


def test_a_directive_indented_in_a_list_item_is_read(tmp_path: Path):
    doc = write_doc(tmp_path, "i.md", "# T\n\n- Item with a nested note:\n\n    ```{note}\n    The nested note says zebras are striped.\n"
                    "    ```\n")
    assert "The nested note says zebras are striped." in sentences_of(doc)


def test_code_and_fences_inside_an_faq_answer_are_not_sentences_a_tables_rows_are(tmp_path: Path):
    doc = write_doc(tmp_path, "f.md", "# FAQ\n\n## Does the widget support IPv6?\n\nYes, since version 2.\n\n```{warning}\n"
                    "IPv6 support requires a kernel newer than 4.0.\n```\n\n```{admonition} History\n:class: tip\n\n"
                    "It came in 2019.\n```\n\n```sh\nreset --hard\n```\n\n| colour | price |\n|---|---|\n| red | 5 |\n\n"
                    "It comes in red and blue.\n")
    [p] = doc.passages
    assert p.question == "Does the widget support IPv6?"
    assert [doc.text[s:e] for s, e in p.sentences] == ["Yes, since version 2.", "IPv6 support requires a kernel newer "
                                                       "than 4.0.", "It came in 2019.", "| red | 5 |",
                                                       "It comes in red and blue."]
    assert doc.text[p.start:p.end] == p.text  # the passage still cites the answer as written, code and all


def test_colon_fences_and_a_top_level_label_keep_the_title(tmp_path: Path):
    doc = write_doc(tmp_path, "c.md", "# Rocket Manual\n\n:::{note}\nA colon note about rockets.\n:::\n\n```{tab} Florida\n"
                    "Launches happen in Florida.\n```\n")
    assert [(p.section, [doc.text[s:e] for s, e in p.sentences]) for p in doc.passages] == [
        ("Rocket Manual", ["A colon note about rockets."]), ("Rocket Manual > Florida", ["Launches happen in Florida."])]


def test_a_text_file_with_a_byte_order_mark_keeps_a_clean_first_heading(tmp_path: Path):
    doc = write_doc(tmp_path, "b.txt", "\ufeffBOM text heading\n================\n\nThe body is here.\n")
    assert [p.section for p in doc.passages] == ["BOM text heading"]


@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_front_matter_after_a_byte_order_mark_still_names_the_document(tmp_path: Path, bom):
    text = bom + "---\ntitle: Deploy guide\nowner: ops\n---\n\n# Intro\n\nThe deploy tool needs the deployer role.\n"
    doc = write_doc(tmp_path, "d.md", text)
    assert doc.title == "Deploy guide"
    assert [(p.section, p.text) for p in doc.passages] == [("Intro", "The deploy tool needs the deployer role.")]
    assert all(text[p.start:p.end] == p.text for p in doc.passages)  # offsets into the file, the mark included


def test_a_markdown_tables_rows_are_sentences_and_its_header_is_context(tmp_path: Path):
    """A table's body rows are sentences as written; its header row and rule are in the passage's
    text, never an answer (tables were not read at all: questions about them were declined)."""
    doc = write_doc(tmp_path, "plans.md", "# Plans\n\nWe offer two plans:\n\n| Plan | Monthly price |\n|---|---|\n"
                                          "| Basic | $10 |\n| Pro | $49 |\n\nAfter the table.\n")
    [p] = doc.passages
    sentences = [doc.text[a:b] for a, b in p.sentences]
    assert sentences == ["We offer two plans:", "| Basic | $10 |", "| Pro | $49 |", "After the table."]
    assert "| Plan | Monthly price |" in p.text and doc.text[p.start:p.end] == p.text
    quoted = write_doc(tmp_path, "q.md", "Intro text here.\n\n> | A | B |\n> |---|---|\n> | x | y |\n")
    # a table in a quote: its row is read without the quote mark
    assert [quoted.text[a:b] for p in quoted.passages for a, b in p.sentences] == ["Intro text here.", "| x | y |"]


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_a_markdown_tables_rows_are_embedded_with_their_column_names_in_every_passage(tmp_path: Path, eol: str):
    """A row is embedded and matched by words as "Plan: Pro | Price: $49" (as HTML tables read), also
    in the later passages of a table too long for one, which do not hold its header row; the
    citation still quotes the row as written."""
    from qa.index import sentence_texts

    rows = "".join(f"| Plan {i} | ${i}0 | `call-{i}` |{eol}" for i in range(40))
    text = f"# Plans{eol}{eol}| Plan | Monthly price | Support |{eol}|:--|--:|---|{eol}{rows}{eol}After a | bar.{eol}"
    doc = write_doc(tmp_path, "plans.md", text)
    assert len(doc.passages) > 1  # 40 rows are more than one passage holds
    seen = sentence_texts(list(doc.passages), {doc.id: doc.text})
    raw = [doc.text[a:b] for p in doc.passages for a, b in p.sentences]
    assert raw[39] == "| Plan 39 | $390 | `call-39` |"
    assert seen[39] == "Plan: Plan 39 | Monthly price: $390 | Support: call-39"  # the last passage's row too
    assert seen[-1] == "After a | bar."  # prose with a bar after the table is no row
    quoted = write_doc(tmp_path, "q.md", "Intro text here.\n\n> | A | B |\n> |---|---|\n> | x | y | z |\n")
    assert sentence_texts(list(quoted.passages), {quoted.id: quoted.text}) == ["Intro text here.", "A: x | B: y | z"]


@pytest.mark.parametrize("table, seen", [
    # a row is one sentence, full stops in its cells or not: each cell keeps its own column's name
    ("| Plan | Price | Support |\n|---|---|---|\n| Pro | Costs $49 a month. Billed yearly. | Phone and email |\n",
     ["Plan: Pro | Price: Costs $49 a month. Billed yearly. | Support: Phone and email"]),
    # a row of dashes in the body is a row, not a second rule that makes the row above a header
    ("| Flag | Default |\n|---|---|\n| -v | on |\n| - | - |\n| -q | off |\n",
     ["Flag: -v | Default: on", "Flag: - | Default: -", "Flag: -q | Default: off"]),
    # a table in a list item, in a quote in a list item, in a quote in a quote
    ("1. | A | B |\n   |---|---|\n   | x | y |\n", ["A: x | B: y"]),
    ("- > | A | B |\n  > |---|---|\n  > | x | y |\n", ["A: x | B: y"]),
    ("> > | A | B |\n> > |---|---|\n> > | x | y |\n", ["A: x | B: y"]),
    # a bar escaped in a cell is a bar, in code too; a table without outer bars
    ("| Expr | Means |\n|---|---|\n| `a \\| b` | a or b |\n", ["Expr: a | b | Means: a or b"]),
    ("Expr | Means\n--- | ---\nx | y z\n", ["Expr: x | Means: y z"]),
])
def test_a_markdown_table_row_reads_with_the_right_column_names(tmp_path: Path, table: str, seen: list[str]):
    from qa.index import sentence_texts

    doc = write_doc(tmp_path, "t.md", f"# T\n\n{table}")
    assert sentence_texts(list(doc.passages), {doc.id: doc.text}) == seen
    assert all(doc.text[p.start:p.end] == p.text for p in doc.passages)


def test_a_table_header_over_dashes_in_plain_text_is_not_a_heading(tmp_path: Path):
    text = ("Release schedule\n----------------\n\nThere are two release candidates.\n\n"
            "  phase   length      what is accepted\n  ------------------------------------\n  rc1     1-2 weeks   bug fixes\n\n"
            "The tarball is made by make distcheck.\n\nwhat\tlength\n-----------\nrc2\t1 week\n")
    doc = write_doc(tmp_path, "schedule.txt", text)
    assert {p.section for p in doc.passages} == {"Release schedule"}
    assert any("make distcheck" in p.text for p in doc.passages)


def test_a_long_paragraph_is_not_cut_between_a_sentence_and_the_one_leaning_on_it(tmp_path: Path):
    from qa.corpus import MAX_PASSAGE_CHARS

    topic, answer = "The warranty question comes up often.", "It lasts exactly five years."
    filler = " ".join(f"Filler sentence number {i} says something about blenders in general." for i in range(8))
    pad = MAX_PASSAGE_CHARS - len(filler) - len(topic) - 2 - len("Pad .")  # the topic ends the run at the limit
    filler += " Pad " + "x" * pad + "."
    assert len(filler) + 1 + len(topic) <= MAX_PASSAGE_CHARS < len(filler) + 1 + len(topic) + 1 + len(answer)
    path = tmp_path / "long.md"
    path.write_text(f"# T\n\n{filler} The warranty question comes up often. It lasts exactly five years.\n",
                    encoding="utf-8")
    doc = load_document(path, "long.md")
    assert len(doc.passages) == 2 and all(len(p.text) <= 700 for p in doc.passages)
    assert any("The warranty question comes up often. It lasts exactly five years." in p.text for p in doc.passages)
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text


def test_a_short_paragraph_that_asks_opens_a_passage(tmp_path: Path):
    """Plain-text FAQs read as prose: a question joins its answer, never the answer before it."""
    doc = write_doc(tmp_path, "faq.txt", "Q:  What is XZ?\n\nA:  Two letters.\n\nQ:  Why is it \"xz\"?\n\n"
                                         "A:  History.\n\nNotes follow here.\n")
    assert [p.text for p in doc.passages] == ["Q:  What is XZ?\n\nA:  Two letters.",
                                              "Q:  Why is it \"xz\"?\n\nA:  History.\n\nNotes follow here."]
    assert not any(p.question for p in doc.passages)  # still prose: FAQ scoring suits short answers


def test_a_question_joins_its_answer_however_long(tmp_path: Path):
    answer = " ".join(f"Sentence {i} of the long answer goes on for a while here." for i in range(16))  # ~900 chars
    doc = write_doc(tmp_path, "faq.txt", f"Old answer ends here.\n\nWhy is it slow?\n\n{answer}\n")
    first, second = doc.passages[:2]
    assert first.text == "Old answer ends here."
    assert second.text.startswith("Why is it slow?\n\nSentence 0") and len(second.text) <= 700
    assert doc.passages[-1].text.endswith("Sentence 15 of the long answer goes on for a while here.")


def test_a_code_block_a_paragraph_introduces_is_cited_with_it(tmp_path: Path):
    doc = write_doc(tmp_path, "boot.md", "# Foo\n\n## Boot\n\nTo start foo at boot, add this line to /etc/inittab:\n\n"
                                         "    ss:2345:respawn:/usr/sbin/food -D\n\nThen run telinit q.\n\n## Other\n\n"
                                         "Some text without a colon.\n\n```\nnot cited\n```\n")
    boot, other = doc.passages
    assert boot.text.endswith("food -D\n\nThen run telinit q.") and "ss:2345" in boot.text
    assert [doc.text[a:b] for a, b in boot.sentences] == [
        "To start foo at boot, add this line to /etc/inittab:", "Then run telinit q."]  # code is never a sentence
    assert other.text == "Some text without a colon."  # no colon: the code stays out
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text


def test_each_definition_list_entry_is_a_passage_of_its_own(tmp_path: Path):
    """A <dt> term and its <dd> make one passage, however short; the next entry starts another."""
    path = tmp_path / "accounts.html"
    path.write_text("<title>Accounts</title><h2>Users</h2><dl><dt>operator</dt><dd><p>Used for backups.</p>"
                    "<p>It had uid 37.</p></dd><dt>gnats</dt><dd><p>Used by gnats.</p></dd></dl>")
    doc = load_document(path, "accounts.html")
    assert [(p.section, p.text) for p in doc.passages] == [
        ("Users > operator", "operator\n\nUsed for backups.\n\nIt had uid 37."), ("Users > gnats", "gnats\n\nUsed by gnats.")]


@pytest.mark.parametrize("chunk, want", [
    ("a wrapped\nline", "a wrapped line"),
    ("a wrapped  \r\n  line", "a wrapped      line"),  # the spaces and CRLF around a break become spaces
    ("a list:\n- one\n- two", "a list:\n- one\n- two"),  # a list item keeps its line
    ("ends.\n\nNext.", "ends.\n\nNext."),  # a blank line still ends a sentence
    ("word" + " " * 50_000 + "word.", "word" + " " * 50_000 + "word."),  # a long run of spaces, no line break
])
def test_unwrap_joins_wrapped_lines_in_place(chunk, want):
    """Offsets survive (same length), and a long run of spaces is read once, not once per space
    (it took seconds: a document of 80 KB with one run of spaces took 20 s to index)."""
    from qa.corpus import unwrap

    assert unwrap(chunk) == want and len(unwrap(chunk)) == len(chunk)


HTML_IN_MARKDOWN = """# Tool

Intro text here.

<details>
<summary>How do I change the output folder?</summary>

Set `out_dir` in the config file.

</details>

<details><summary><b>Is it free?</b></summary>
<p>Yes, under the <b>MIT</b> licence &amp; always, with <code>--free</code> on.</p>
</details>

<p align="center"><img src="logo.png" alt="logo"></p>
<div>Some <em>div</em> text.<br>Second line.</div>
<script>var secret = "not prose";</script>
<!-- <p>a commented-out paragraph</p> -->
<table><tr><td>a cell</td></tr></table>
<pre>
code, not prose
</pre>

## After

More text.
"""


def test_html_blocks_in_markdown_are_read_a_details_summary_is_its_question(tmp_path: Path):
    path = tmp_path / "tool.md"
    path.write_text(HTML_IN_MARKDOWN, encoding="utf-8")
    doc = load_document(path, "tool.md")
    got = [(p.question, p.text) for p in doc.passages]
    assert ("How do I change the output folder?", "Set `out_dir` in the config file.") in got
    assert ("Is it free?", "Yes, under the <b>MIT</b> licence &amp; always, with <code>--free</code> on.") in got
    texts = " ".join(p.text for p in doc.passages)
    assert "Some <em>div</em> text." in texts and "Second line." in texts and "More text." in texts
    for hidden in ("secret", "commented-out", "a cell", "code, not prose", "logo"):
        assert hidden not in texts
    for p in doc.passages:  # offsets into the file, as for all Markdown
        assert HTML_IN_MARKDOWN[p.start:p.end] == p.text
    after = next(p for p in doc.passages if p.text == "More text.")
    assert after.section == "After" and not after.question  # a heading after </details> is as before
