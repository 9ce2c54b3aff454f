"""Curated alternates (qa/alternates.py): parsing, one-line errors naming file and key, phrasings, expansion."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from qa import alternates
from qa.alternates import AlternatesError, key_of, load, parse, snippet
from qa.errors import QAError


@dataclass
class P:  # the two fields of qa.corpus.Passage that matter here
    id: str
    question: str = ""


COMPETITORS = P("baseten-funding.md#who-are-basetens-main-competitors", "Who are Baseten’s main competitors?")
INFERENCE = P("baseten-funding.md#what-is-ai-inference", "What is AI inference?")
BODY = P("baseten-funding.md#p2")

GOOD = """\
# curated by hand
alternates:
  "Who are Baseten's main competitors?":     # straight quote, no matter
    - who are baseten's rivals
    - Who does Baseten compete with
    - who are Baseten’s main competitors      # the question itself: dropped
  baseten-funding.md#p2:
    - what is a split-priced round
  what is ai inference: define inference      # one phrasing may be a plain string
synonyms:
  - ["$13B", "$13 billion", "thirteen billion"]
  - [VC, venture capitalist]
  - [rivals, competitors]
"""


def test_phrasings_by_faq_question_or_passage_id():
    alt = parse(GOOD, "corpus/alternates.yaml")
    assert alt.phrasings(COMPETITORS) == ["who are baseten's rivals", "Who does Baseten compete with"]
    assert alt.phrasings(BODY) == ["what is a split-priced round"]
    assert alt.phrasings(INFERENCE) == ["define inference"]
    assert alt.phrasings(P("other.md#p1", "Something else?")) == []


def test_keys_compare_without_case_quotes_spacing_or_question_mark():
    assert key_of("Who are Baseten’s  main competitors?") == key_of("who are baseten's main competitors")


def test_unmatched_keys_are_named_with_their_file():
    alt = parse(GOOD + "  ", "corpus/alternates.yaml")
    assert alt.unmatched([COMPETITORS, BODY]) == ["corpus/alternates.yaml: 'what is ai inference'"]
    assert alt.unmatched([COMPETITORS, BODY, INFERENCE]) == []


@pytest.mark.parametrize("query, added", [
    ("who are basetens rivals", "competitors"),
    ("is $13B realistic", "thirteen billion"),  # "$13 billion" is the same words as "$13B" once read
    ("is 13 billion dollars realistic", "$13B thirteen billion"[len("$13B "):]),
    ("what do VCs bet on", "venture capitalist"),
    ("what do venture capitalists bet on", "VC"),  # found by stem, any case
    ("what is inference", None),
    ("advice on a vcr", None),  # whole words only
])
def test_expand_adds_the_synonyms_of_phrases_found(query, added):
    alt = parse(GOOD)
    got = alt.expand(query)
    if added is None:
        assert got == query
    else:
        assert got == f"{query} {added}"
        assert alt.expand(got) == got  # nothing more to add


def test_an_empty_or_missing_file_changes_nothing(tmp_path: Path):
    assert not parse("") and not parse("# only a comment\n")
    empty = load(tmp_path / "no-such-corpus")
    assert not empty and empty.expand("who are the rivals") == "who are the rivals" and empty.sha256 == ""


def test_load_reads_every_alternates_file_and_merges_them(tmp_path: Path):
    (tmp_path / "doc.md").write_text("# T\n\nText.\n")
    (tmp_path / "alternates.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "team.alternates.yml").write_text(
        "alternates:\n  what is ai inference?:\n    - inference meaning\n    - define inference\n", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "alternates.yaml").write_text("not: [valid", encoding="utf-8")
    (tmp_path / "notes.yaml").write_text("not: [valid", encoding="utf-8")  # not an alternates file
    alt = load(tmp_path)
    assert [p.name for p in alt.sources] == ["alternates.yaml", "team.alternates.yml"]
    assert alt.phrasings(INFERENCE) == ["define inference", "inference meaning"]
    before = alt.sha256
    (tmp_path / "alternates.yaml").write_text(GOOD + "\n", encoding="utf-8")
    assert load(tmp_path).sha256 != before  # an edit makes builds that used the phrasings stale


@pytest.mark.parametrize("text, message", [
    ("alternates: [a, b\n", "corpus/alternates.yaml:2: not valid YAML"),
    ("- just\n- a list\n", "expected a mapping with 'alternates:'"),
    ("alternate:\n  x: [y]\n", "alternate: unknown section"),
    ("alternates:\n  - a\n", "alternates: expected a mapping"),
    ("alternates:\n  What is AI inference?:\n", "alternates: 'What is AI inference?': expected a list of phrasings"),
    ("alternates:\n  What is AI inference?: []\n", "'What is AI inference?': expected a list of phrasings"),
    ("alternates:\n  What is AI inference?:\n    - ok\n    - ''\n", "'What is AI inference?': phrasing 2 must be non-empty"),
    ("alternates:\n  What is AI inference?:\n    - [nested]\n", "phrasing 1 must be non-empty text"),
    ("alternates:\n  q:\n    - " + "x" * 501 + "\n", "'q': phrasing 1 is 501 characters long; the limit is 500"),
    ("alternates:\n  q?: [a]\n  Q: [b]\n", "'Q': the same entry twice"),
    ("alternates:\n  q: [a]\n  q: [b]\n", "corpus/alternates.yaml:3: 'q': the same key twice"),
    ("alternates:\n  '': [a]\n", "the key must be an FAQ question or a passage id"),
    ("synonyms: {a: b}\n", "synonyms: expected a list of lists"),
    ("synonyms:\n  - [only one]\n", "synonyms: group 1: expected a list of two or more"),
    ("synonyms:\n  - [a b, c d]\n  - just text\n", "synonyms: group 2: expected a list of two or more"),
    ("synonyms:\n  - [the, rivals]\n", "group 1: 'the' has no word that can be searched"),
    ("synonyms:\n  - [$13B, $13 billion]\n", "group 1: its phrases all read the same"),
    ("synonyms:\n  - [rivals, {a: b}]\n", "group 1: {'a': 'b'} is not a phrase"),
    # aliases nest into billions of phrases from a few hundred bytes: refused where the first one stands
    ("a: &a [x, x, x]\nb: &b [*a, *a, *a]\nalternates:\n  q: [*b]\n", "corpus/alternates.yaml:2: an alias (*a)"),
    ("synonyms:\n  - [rivals, " + ", ".join(["[1, 2]"] * 100) + "]\n", "group 1: [1, 2] is not a phrase"),
])
def test_problems_are_one_line_naming_file_and_key(text, message):
    with pytest.raises(AlternatesError) as e:
        parse(text, "corpus/alternates.yaml")
    assert message in str(e.value), str(e.value)
    assert str(e.value).startswith("corpus/alternates.yaml") and "\n" not in str(e.value)
    assert len(str(e.value)) < 400  # what is wrong is shown cut short, never whole
    assert isinstance(e.value, QAError)  # the CLI prints it as one line and exits 1


def test_unreadable_files_are_one_line_too(tmp_path: Path):
    (tmp_path / "alternates.yaml").write_bytes(b"alternates:\n  q: [\xff]\n")
    with pytest.raises(AlternatesError, match=r"alternates.yaml: not UTF-8 text"):
        load(tmp_path)


def test_snippet_is_valid_yaml_that_parses_back():
    key = "Who are Baseten’s main competitors?"
    text = snippet(key, ["who: are the rivals?", "# not a comment", "baseten's 'foes'"])
    assert text.startswith("alternates:\n")
    assert yaml.safe_load(text) == {"alternates": {key: ["who: are the rivals?", "# not a comment", "baseten's 'foes'"]}}
    assert parse(text).phrasings(COMPETITORS) == ["who: are the rivals?", "# not a comment", "baseten's 'foes'"]


def test_documents_are_never_alternates_files():
    assert alternates.is_alternates_file(Path("corpus/alternates.yaml"))
    assert alternates.is_alternates_file(Path("corpus/faq.alternates.YML"))
    assert not alternates.is_alternates_file(Path("corpus/alternates.md"))
    assert not alternates.is_alternates_file(Path("corpus/notes.yaml"))
    from qa.corpus import SUFFIXES

    assert ".yaml" not in SUFFIXES and ".yml" not in SUFFIXES  # so corpus_files never picks them up
