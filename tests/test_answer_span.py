"""Where an answer span starts: a list item or a command is answered with what introduces it."""

import re

import pytest

from qa.span import lead_in
from qa.corpus import JOIN


def layout(text: str) -> tuple[list[tuple[int, int]], list[bool]]:
    """Sentences of `text` as (start, end): one per line or per '. '-ended clause, blank lines dropped."""
    sentences = [(m.start(), m.end()) for m in re.finditer(r"[^\n.]+(?:\.|(?=\n)|$)", text) if m.group().strip()]
    sentences = [(a + len(text[a:b]) - len(text[a:b].lstrip()), b) for a, b in sentences]
    return sentences, [bool(JOIN.fullmatch(text, a[1], b[0])) for a, b in zip(sentences, sentences[1:])]


@pytest.mark.parametrize("text, first, want", [
    # a command after the sentence that says what to do with it
    ("Stop the server first. Add the following line to /etc/inittab:\n\n  ss:2345:respawn:/usr/sbin/sshd -D\n", 2, 1),
    # a list after "These are:", which leans on the sentence before it
    ("Old options are deprecated and should be removed. These are:\n\n- RSAAuthentication\n- ServerKeyBits\n", 2, 0),
    ("Old options are deprecated and should be removed. These are:\n\n- RSAAuthentication\n- ServerKeyBits\n", 3, 3),
    # examples after the sentence they illustrate: that sentence is the answer's start
    ("The year can be omitted. In that case the current year is used. For example:\n\n  sep 24\n", 3, 1),
    ("To be safe, ask for the 15th. For instance:\n\n  date -d 15\n", 2, 0),
    # an introduction that is not to examples is the answer's start
    ("The year can be omitted. The following is used:\n\n  sep 24\n", 2, 1),
    # a full-width colon introduces too
    ("設定は次のとおり：\n- 一\n", 1, 0),
    # no colon: the answer starts where it was found
    ("Hold the reset button. Then wait for the light.\n", 1, 1),
    # the first sentence has nothing before it
    ("Add this line:\n\n  x = 1\n", 0, 0),
])
def test_an_answer_starts_at_the_sentence_that_introduces_it(text, first, want):
    sentences, joins = layout(text)
    assert lead_in(text, sentences, joins, first) == want


def test_an_introduction_behind_a_code_fence_is_not_borrowed():
    text = "Run this:\n```\nmake\n```\nIt builds."
    sentences = [(0, 9), (24, 34)]  # "Run this:" and "It builds." with the fence between
    joins = [bool(JOIN.fullmatch(text, 9, 24))]
    assert joins == [False] and lead_in(text, sentences, joins, 1) == 1


def test_an_answer_ending_with_a_colon_takes_in_what_it_introduces():
    from qa.span import introduced

    text = "Add this line:\n\n    ss:2345:respawn\n\nThen reload. It works."
    sentences = [(0, 14), (37, 49), (50, 59)]
    assert introduced(text, sentences, 0, len(text)) == 35  # through the command, not the blank line after
    assert introduced(text, sentences, 1, len(text)) == 49  # no colon: where the sentence ends
    assert introduced("Run:\n\n  make\n", [(0, 4)], 0, 12) == 12  # the last sentence: to the passage end


LIST = "The agent runs on the following systems:\n\n- Debian 12 or newer\n- Ubuntu 22.04 or newer\n  (LTS only)\n- Rocky Linux 9\n\nIt needs 2 GB."


def list_sentences(text: str) -> list[tuple[int, int]]:
    """The sentences the corpus splitter makes here: the introduction, each item's text after its
    marker (an item's wrapped line is a sentence of its own), the closing paragraph."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        a, b = m.start(), m.end()
        a += len(re.match(r"\s*(?:- )?", text[a:b]).group())
        out.append((a, b))
    return out


def test_an_answer_ending_with_a_colon_before_a_list_takes_its_items():
    """It stopped at the first item's marker ("…following systems:\n\n-")."""
    from qa.span import introduced

    sentences = list_sentences(LIST)
    end = introduced(LIST, sentences, 0, len(LIST))
    assert LIST[:end].endswith("- Rocky Linux 9") and "(LTS only)" in LIST[:end]
    long_items = "Do this:\n\n" + "".join(f"- {'word ' * 60}{i}.\n" for i in range(5))
    end = introduced(long_items, list_sentences(long_items), 0, len(long_items))
    assert 0 < long_items[:end].count("- word") < 5  # as many items as fit in LIST_CHARS


def test_an_answer_holding_a_list_introduction_and_its_first_item_takes_a_short_list_whole():
    from qa.span import enumeration_end

    sentences = list_sentences(LIST)
    assert LIST[:enumeration_end(LIST, sentences, 0, 1)].endswith("- Rocky Linux 9")
    assert enumeration_end(LIST, sentences, 1, 2) is None  # no introduction in the answer
    explained = "Variables:\n\n- " + "A long explanation of the first variable, " * 4 + "\n- B is short.\n"
    assert enumeration_end(explained, list_sentences(explained), 0, 1) is None  # items that explain: not all
