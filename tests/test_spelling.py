"""Typo repair: typos become corpus words; real words, even ones the corpus lacks, stay as typed."""

import pytest

from qa.spelling import Speller, english_words

CORPUS = ["The valuation logic of the series round.", "Set PermitRootLogin in the config.",
          "Contain the blast radius. The privileged port is done. Nine months."]


@pytest.fixture(scope="module")
def speller():
    return Speller(CORPUS, known=set())


@pytest.mark.parametrize("typed, fixed", [
    ("whats the valuaton?", "whats the valuation?"),
    ("the sereis round", "the series round"),
    ("Valuaton logic", "valuation logic"),  # a corrected word is the corpus's spelling
])
def test_typos_become_corpus_words(speller, typed, fixed):
    assert speller.correct(typed) == fixed


@pytest.mark.parametrize("typed", [
    "root login setting",  # not "logic"
    "an unprivileged port",  # not "privileged"
    "constrain the radius",  # not "contain"
    "why dont they",  # not "done": a contraction without its apostrophe
    "arent they",
])
def test_real_words_the_corpus_lacks_are_not_corrected(speller, typed):
    assert speller.correct(typed) == typed


def test_the_dictionary_is_read_once_and_holds_english_words():
    words = english_words()
    assert words is english_words()
    assert {"login", "constrain", "unprivileged"} <= words and "valuaton" not in words
