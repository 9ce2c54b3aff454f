"""What a question asks for: a definition ("what is X?") and the sentences that give one."""

import pytest

from qa import answer_type


@pytest.mark.parametrize("question, thing", [
    ("what is a split-priced round?", "split-priced round"),
    ("What's an HTTP library?", "HTTP library"),
    ("whats h11", "h11"),
    ("wat r widgets", "widgets"),
    ("what are the lead backers", "lead backers"),
    ("what is npm prefix set to if i never changed it", None),  # asks something else about it
    ("how do i reset my password?", None),
    ("what did it say about the round?", None),
])
def test_a_question_asking_what_something_is_names_it(question, thing):
    assert answer_type.defined(question) == thing


@pytest.mark.parametrize("thing, sentence, defines", [
    ("split priced round", "However, this is a split-priced round, a tactic startups use.", True),
    ("split-priced round", "A split priced round is one where investors pay different prices.", True),
    ("widgets", "A widget (a small gadget) is the part you click.", True),
    ("widget", "Widgets are an easy way to add controls.", True),
    ("HTTP library", "An HTTP library means code that speaks HTTP.", True),
    ("ABI", "The ABI stands for application binary interface.", True),
    ("split priced round", "The use of a split-priced round suggests demand is cooling.", False),
    ("widget", "The widget is broken on Windows.", False),  # says something of it, not what it is
    ("widget", "A superwidget is a bigger widget.", False),
    ("widget", "Configure the widget-factory, a helper.", False),
    ("lockfile", "When you delete the lockfile, the next install resolves again.", False),  # mentions it
    ("lockfile", "A lockfile records the exact version of every package.", False),  # says what it does
    ("rebase", "Aborting the rebase is a safe way out.", False),
    ("C++", "C++ is a programming language.", True),
    ("C++", "C is a programming language.", False),
    ("Node.js", "Node.js is a JavaScript runtime.", True),
    ("CORS", "CORS (cross-origin resource sharing) is a mechanism.", True),
    ("status", "The status is a number from 0 to 255.", True),
    ("inference", "AI inference is the process where a model makes a prediction.", True),
    ("lockfiles", "Deleting lockfiles is a bad idea.", False),
])
def test_a_definition_names_the_thing_then_says_what_it_is(thing, sentence, defines):
    assert bool(answer_type.definition(thing).search(sentence)) is defines
