"""Follow-ups (qa.conversation): what counts as one, what it borrows, and that standalone questions
are left exactly as typed. Fast: the corpus's own vocabulary, no model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qa import conversation as conv
from qa.conversation import Turn, is_follow_up, read, search_text, tokens, turns
from qa.corpus import load_corpus
from qa.lexical import Vocabulary, terms

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
EVAL = ROOT / "tests" / "eval"


@pytest.fixture(scope="module")
def docs():
    return load_corpus(CORPUS, warn=lambda line: None)


@pytest.fixture(scope="module")
def known(docs) -> Vocabulary:
    """The same vocabulary the index builds (Index.vocabulary): terms of section, FAQ question and text."""
    return Vocabulary([terms(f"{p.section}\n{p.question}\n{p.text}") for d in docs for p in d.passages])


def ask_after(known, question: str, *earlier: str) -> str:
    return search_text(question, [Turn(q, "") for q in earlier], known)


# ---- standalone questions are never changed ---------------------------------------------------

STANDALONE = [
    "what is AI inference?",
    "who co-leads the round?",
    "who are Baseten’s main competitors?",
    "Is a $13 billion valuation realistic for Baseten?",
    "how does baseten keep costs down",
    "when did baseten announce its series E?",  # an anaphor ("its"), but the question names its topic
    "is baseten profitable",  # mostly words the corpus does not know: a new topic, to be declined as before
    "best pizza in nyc?",
    "how do I reset my password",
]


@pytest.mark.parametrize("question", STANDALONE)
def test_standalone_questions_are_searched_as_typed(known, question):
    assert not is_follow_up(question, known), read(question, known)
    assert ask_after(known, question, "who leads baseten's new round?", "and the series D?") == question


@pytest.mark.parametrize("history", [None, [], [Turn("  ", "")], [{"question": "", "answer": "x"}]])
def test_without_history_nothing_changes(known, history):
    assert search_text("why do critics dislike it?", history, known) == "why do critics dislike it?"


# ---- follow-ups ------------------------------------------------------------------------------------

FOLLOW_UPS = [
    "how much are they raising?",  # anaphor
    "why do critics dislike it?",
    "and the Series D?",  # elliptical opening
    "what about the series E?",
    "at what valuation?",  # very short
    "over what period?",  # no content word the corpus knows
    "what's the downside?",
    "so what is it really worth?",
    "can you give an example?",  # asks for more on what was said ("example" is in the article)
    "could you explain in more detail?",
]


@pytest.mark.parametrize("question", FOLLOW_UPS)
def test_follow_ups_are_recognised(known, question):
    assert is_follow_up(question, known), read(question, known)


@pytest.mark.parametrize("question", ["ok but is it at least safe against slowloris?", "nice, what about windows?",
                                      "hmm, and the Series D?", "what if i don't use pam?"])
def test_an_interjection_or_what_if_opens_a_follow_up(known, question):
    assert is_follow_up(question, known), read(question, known)


@pytest.fixture(scope="module")
def large():
    """The vocabulary of a large corpus, which holds everyday words as well as its own jargon."""
    text = ("need server work good idea side api different label time kerberos implementation linked "
            "encode decode pick say reference pypy wins")
    return Vocabulary([terms(w) for w in text.split()])


@pytest.mark.parametrize("question", ["what do i need on the server for it to work?", "is that a good idea though?",
                                      "is the api different on that side?", "can i do it one label at a time?",
                                      "how does it pick encode vs decode if i don't say?"])
def test_everyday_words_do_not_make_a_question_with_an_anaphor_stand_alone(large, question):
    assert is_follow_up(question, large), read(question, large)


@pytest.mark.parametrize("question", ["does pypy work?", "which side wins?"])
def test_a_short_question_with_one_specific_word_is_a_follow_up(large, question):
    """"work", "side", "wins" are everyday words: only "pypy" names a topic, and one word is not enough."""
    assert is_follow_up(question, large), read(question, large)


@pytest.mark.parametrize("question, points_back", [
    ("is kerberos applied by default there?", True),  # a place said before
    ("can i post kerberos questions there", True),
    ("is there a kerberos implementation?", False),  # something exists
    ("there is a kerberos label, what is it for?", False),  # "it" points back, "there is" does not
    ("there's a kerberos label", False),
    ("are there kerberos labels", False),
])
def test_there_points_back_when_it_names_a_place(large, question, points_back):
    assert ("there" in read(question, large).anaphora) == points_back, read(question, large)


def test_an_anaphor_beside_enough_specific_words_still_stands_alone(large):
    assert not is_follow_up("which kerberos implementation is it linked against?", large)
    assert read("which kerberos implementation is it linked against?", large).specific == \
        ("kerberos", "implementation", "linked")


def test_a_follow_up_borrows_the_topic_of_the_previous_question(known):
    text = ask_after(known, "how much are they raising?", "who is leading baseten's new round?")
    assert text.startswith("how much are they raising? ")
    assert re.search(r"\bbaseten", text, re.I) and "round" in text


def test_elliptical_question_swaps_the_word_it_replaces(known):
    text = ask_after(known, "and the Series D?", "when did baseten raise its Series E?")
    assert text.startswith("and the Series D? ")
    added = text[len("and the Series D? "):].split()
    assert "baseten" in added and "raise" in added
    assert "E" not in added  # "Series D" replaces "Series E"
    assert "Series" not in added  # already in the question


@pytest.mark.parametrize("question, earlier, dropped, kept", [
    ("and how do critics see it?", "how do investors see the split-priced round?", "investors", "round"),
    ("how do i remove it?", "how do i install baseten?", "install", "baseten"),
    ("what did critics say about it?", "what did investors say about the round?", "investors", "round"),
])
def test_a_follow_up_in_the_same_frame_swaps_the_word_after_it(known, question, earlier, dropped, kept):
    """The same words in a row ("how do i …") followed by another word: that word is what changed."""
    added = ask_after(known, question, earlier)[len(question) + 1:].split()
    assert dropped not in added and kept in [w.lower() for w in added]


def test_a_frame_of_one_word_or_a_pronoun_after_it_swaps_nothing(known):
    # one word in common ("how") is no frame; "they" after "how much did" is not a word swapped in
    assert "raise" in ask_after(known, "how long did it take?", "how much did baseten raise?")
    assert "baseten" in ask_after(known, "how much did they raise in the series E?", "how much did baseten raise?")


def test_the_most_recent_turn_comes_first(known):
    text = ask_after(known, "how much are they raising?", "what is AI inference?", "who leads the Spark Capital round?")
    added = text[len("how much are they raising? "):]
    assert added.startswith("Spark Capital round") and "inference" not in added  # the older turn was a new topic


def test_walks_back_through_follow_ups_to_the_turn_that_named_the_topic(known):
    text = ask_after(known, "and the others?", "what is AI inference?", "what valuation are investors getting in at?",
                     "at what price?")
    added = text[len("and the others? "):].split()
    assert added[:1] == ["price"]  # the most recent turn first
    assert {"valuation", "investors"} <= set(added)  # then the turn it leaned on
    assert "inference" not in added  # not past it


def test_borrowed_terms_are_limited_and_not_repeated(known):
    long = "what valuation did Spark Capital, Sands Capital, Altimeter Capital and Wellington Management get for baseten in the round"
    text = ask_after(known, "why?", long)
    added = text[len("why? "):].split()
    assert len(added) == conv.MAX_TERMS
    assert len({a.lower() for a in added}) == len(added)


def test_names_numbers_and_known_words_are_salient_stop_words_are_not(known):
    got = [t.text for t in conv.salient("Did Spark Capital put $1.5B into the 2019 split-priced round of Zyxcorp?", known)]
    assert got == ["Spark", "Capital", "$1.5B", "2019", "split-priced", "round", "Zyxcorp"]


def test_tokens_keep_numbers_with_their_units_and_see_names_at_a_sentence_start():
    toks = tokens("Spark Capital put $13B in. It rose 160% to 13 billion; AWS too. “Wall Street” said so")
    assert [t.text for t in toks if t.number] == ["$13B", "160%", "13 billion"]
    assert [t.text for t in toks if t.capitalised] == ["Spark", "Capital", "AWS", "Wall", "Street"]


def test_history_items_of_any_shape_become_turns():
    class Model:
        question, answer = "q3", "a3"

    got = turns([Turn("q1", "a1"), {"question": "q2", "answer": "a2"}, Model(), ("q4", "a4"), ["q5"], {"answer": "no q"}])
    assert got == [Turn("q1", "a1"), Turn("q2", "a2"), Turn("q3", "a3"), Turn("q4", "a4"), Turn("q5", "")]


# ---- the dialogue evaluation file --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dialogues.jsonl", "dialogues-dev.jsonl"])
def test_dialogue_files_are_well_formed_and_quote_the_article(name):
    import pysbd

    text = (CORPUS / "baseten-funding.md").read_text(encoding="utf-8")
    segmenter = pysbd.Segmenter(language="en", clean=False)
    sentences = [s for paragraph in text.split("\n\n") for s in segmenter.segment(paragraph)]
    rows = [json.loads(line) for line in (EVAL / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    answerable = [r for r in rows if r["expected"] is not None]
    assert len(answerable) >= 15
    for r in rows:
        assert set(r) == {"turns", "expected"}
        assert 2 <= len(r["turns"]) <= 3 and all(isinstance(t, str) and t.strip() for t in r["turns"])
    for r in answerable:
        assert 5 <= len(r["expected"].split()) <= 15, r
        assert text.count(r["expected"]) >= 1, r
        assert any(r["expected"] in s for s in sentences), f"not inside one sentence: {r['expected']!r}"


@pytest.mark.parametrize("name", ["dialogues.jsonl", "dialogues-dev.jsonl"])
def test_dialogue_turns_are_told_apart(known, name):
    """Later turns of the dialogues are mostly follow-ups (a few change topic on purpose); openers stand alone."""
    rows = [json.loads(line) for line in (EVAL / name).read_text(encoding="utf-8").splitlines()]
    later = [t for r in rows for t in r["turns"][1:]]
    first = [r["turns"][0] for r in rows]
    assert sum(is_follow_up(t, known) for t in later) >= 0.8 * len(later)
    assert sum(not is_follow_up(t, known) for t in first) >= 0.9 * len(first)


@pytest.mark.parametrize("folder", ["other", "blind"])
def test_dialogues_over_other_documents_quote_their_corpus_once(folder):
    """Development dialogues over the package READMEs and the Debian/npm/pip documents: the expected
    text of each answerable dialogue is in exactly one line of one corpus file."""
    corpus = EVAL / folder / "corpus"
    texts = [f.read_text(encoding="utf-8") for f in sorted(corpus.iterdir()) if f.is_file()]
    rows = [json.loads(line) for line in (EVAL / folder / "dialogues.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    assert len([r for r in rows if r["expected"] is not None]) >= 15
    for r in rows:
        assert set(r) == {"turns", "expected"} and 2 <= len(r["turns"]) <= 3, r
        if r["expected"] is not None:
            assert sum(line.count(r["expected"]) for t in texts for line in t.split("\n")) == 1, r


def test_a_what_if_or_ok_but_question_that_names_its_topic_stands_alone():
    """"what if …" and an opening after "ok" are follow-ups only when the question does not name its
    own topic: "what if the password reset fails on the server?" does."""
    vocab = Vocabulary([terms(w) for w in "password reset fails server install frobnicator pam".split()])
    for question in ("what if the password reset fails on the server?", "ok but what about password reset on the server?"):
        assert not is_follow_up(question, vocab), read(question, vocab)
    assert is_follow_up("what if i don't use pam?", vocab)
    assert is_follow_up("and the password reset fails on the server?", vocab)  # "and …" always leans back


@pytest.mark.parametrize("question, own", [
    ("does it work on aws too?", False),  # one specific word ("aws"): it leans on the conversation
    ("does it compete with aws too?", True),  # "compete", "aws"
    ("what about the series d valuation?", True),
    ("is that realistic?", False), ("and why?", False),
    ("do critics dislike the split-priced structure?", True),
    ("what do i need for it to work?", False),  # everyday words only
    ("and on aws?", True), ("what about aws?", True),  # one is enough after an elliptical opening
    ("ok but what about aws?", False),  # ... not after an interjection, which standalone questions have too
])
def test_a_follow_up_that_names_things_of_its_own(known, question, own):
    assert conv.names_its_own(question, known) is own


def test_a_follow_up_is_ranked_by_both_searches_and_keeps_its_better_score():
    from qa.retrieve import Hit, reorder
    import numpy as np

    def hit(passage, score):
        return Hit(passage, score, 0, np.zeros(1), 0.0, 0.0)

    borrowed = [hit(1, 1.0), hit(2, 0.95), hit(3, 0.5)]
    alone = [hit(2, 0.9), hit(3, 0.8), hit(4, 0.7)]  # passage 1 not found alone: it counts as 0.7
    out = reorder(borrowed, alone)
    assert [h.passage for h in out] == [2, 1, 3]  # 1.85, 1.7, 1.3
    assert [h.score for h in out] == [0.95, 1.0, 0.8]  # the confidence reads these: 3 scores better alone
    assert [h.passage for h in reorder(borrowed, alone, weight=0.0)] == [1, 2, 3]
    assert [h.passage for h in reorder(borrowed, [])] == [1, 2, 3]


@pytest.mark.parametrize("question, follow_up", [
    ("東京の営業時間は", False),  # "business hours in Tokyo": a question of its own, though one token
    ("営業時間は？", False),
    ("それはいくらですか", True),  # "how much is that?": a pronoun points back
    ("它多少钱？", True),
    ("本当？", True),  # "really?": too short to stand alone
])
def test_chinese_japanese_and_korean_questions_are_read_by_length_and_pronouns(known, question, follow_up):
    """Their words run together, so the corpus "knows" none of them: without this, every such question
    after any earlier turn was read as a follow-up, and answered from the earlier topic."""
    assert is_follow_up(question, known) is follow_up, read(question, known)
    if not follow_up:
        assert ask_after(known, question, "is there a vegan menu?") == question
