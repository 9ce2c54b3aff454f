"""Follow-ups through the engine, the dialogue evaluation and `qa chat`, with the real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa import evaluate, render
from qa.cli import app
from qa.schemas import Turn

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "eval"
ALL_QUESTIONS = [json.loads(line)["question"] for line in (EVAL / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
QUESTIONS = ALL_QUESTIONS[::4]  # a spread of terse, typo'd and unanswerable ones (the whole file: `qa eval`)


def test_without_history_ask_is_unchanged(engine):
    """No history, None or []: the very same response."""
    for q in QUESTIONS:
        plain = engine.ask(q).model_dump()
        assert engine.ask(q, history=None).model_dump() == plain
        assert engine.ask(q, history=[]).model_dump() == plain


def test_standalone_questions_ignore_the_conversation(engine):
    """After an unrelated turn, a question that stands on its own gets exactly the answer it gets alone."""
    from qa.conversation import is_standalone

    history = [Turn(question="who co-leads the round?", answer=engine.ask("who co-leads the round?").answer)]
    known = engine.index.vocabulary
    standalone = [q for q in ALL_QUESTIONS if is_standalone(engine.state.speller.correct(q), history, known)]
    assert len(standalone) >= 0.85 * len(ALL_QUESTIONS)
    standalone = standalone[::4]
    for q in standalone:
        assert engine.ask(q, history=history).model_dump() == engine.ask(q).model_dump(), q


def test_a_follow_up_is_answered_in_context_and_echoed_as_typed(engine):
    first = engine.ask("how fast has baseten been raising money?")
    assert not engine.ask("does that worry anyone?").answered  # alone it means nothing
    r = engine.ask("does that worry anyone?", history=[Turn(question=first.question, answer=first.answer)])
    assert r.question == "does that worry anyone?"
    assert r.answered and "market frothiness" in r.citations[0].text
    assert r.answer in r.citations[0].text


def test_a_follow_up_that_moves_to_another_topic_is_not_given_the_last_answer_again(engine):
    """"and what about competitors?" after "who leads the round?": the word it brings is the topic now
    (searched alone too), and the passage it finds is answered from the better of its two scores."""
    first = engine.ask("who leads the round?")
    r = engine.ask("and what about competitors?", history=[Turn(question=first.question, answer=first.answer)])
    assert r.answered and r.answer != first.answer and "compet" in r.citations[0].text.lower()


def test_a_follow_up_that_swaps_the_action_keeps_the_topic_only(real_embedder, tmp_path):
    """"how do i install gadget?" then "and how do i configure it?": the configuration passage, not
    the installation one again ("install" is swapped out; "gadget" and "debian" are borrowed)."""
    from qa.config import Settings
    from qa.engine import Engine

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "gadget.md").write_text(
        "# Gadget manual\n\n## Installing gadget\n\nTo install gadget on Debian, run `apt install gadget` as "
        "root. The package pulls in its dependencies and starts the service.\n\n## Configuring gadget\n\n"
        "Gadget reads its settings from /etc/gadget/gadget.toml. Edit the file and restart the service for "
        "changes to take effect.\n\n## Removing gadget\n\nRun `apt remove gadget` to uninstall it. Your "
        "settings file is kept unless you purge the package.\n", encoding="utf-8")
    docs = Engine(Settings(corpus=corpus, index=tmp_path / "index", data=tmp_path / "data"), log=lambda line: None,
                  embedder=real_embedder)
    first = docs.ask("how do i install gadget on debian?")
    assert first.answered and "apt install" in first.answer
    history = [Turn(question=first.question, answer=first.answer)]
    for follow_up, expected in (("and how do i configure it?", "gadget.toml"), ("how do i remove it?", "apt remove")):
        r = docs.ask(follow_up, history=history)
        assert r.answered and expected in r.answer, follow_up
    # a follow-up to a declined turn that brings nothing the manual knows is declined too
    declined = docs.ask("who wrote gadget and when was it first released?")
    assert not declined.answered
    assert not docs.ask("and why?", history=[Turn(question=declined.question, answer=declined.answer)]).answered


def test_a_follow_up_to_a_declined_turn_that_names_nothing_known_is_declined(engine):
    """"who is Baseten's CEO?" is declined; "where was he born?" or "why?" then leans on nothing the
    article holds (it was answered from the founding sentence at 0.61); a follow-up that brings a
    word the article knows is still answered, and so is the same question after an answered turn."""
    first = engine.ask("who is Baseten's CEO?")
    assert not first.answered
    history = [Turn(question=first.question, answer=first.answer)]
    for q in ("where was he born?", "why?", "is he an engineer?"):
        r = engine.ask(q, history=history)
        assert not r.answered and r.confidence == 0.0 and r.suggestions, q
    assert engine.ask("how much are they raising?", history=history).answered
    answered = engine.ask("who co-leads the round?")
    assert engine.ask("why?", history=[Turn(question=answered.question, answer=answered.answer)]).answered
    # a client that sends no answers back ("") has not said that a turn was declined
    assert engine.ask("why?", history=[Turn(question="who co-leads the round?", answer="")]).answered


def test_history_accepts_plain_dicts(engine):
    history = [{"question": "why would a company use a split structure?", "answer": ""}]
    r = engine.ask("what's the downside?", history=history)
    assert r.answered and "Critics argue" in r.citations[0].text


def test_dialogue_evaluation_beats_asking_alone(engine):
    report = evaluate.run_dialogues(engine, evaluate.load_dialogues(EVAL / "dialogues.jsonl"))
    assert report.answerable >= 15
    assert report.hit_at_1 >= 0.75
    assert report.hit_at_1 >= report.alone_hit_at_1 + 0.1
    text = render.dialogue_report(report)
    assert "follow-up hit@1" in text and "asked alone" in text


def test_eval_command_recognises_a_dialogue_file(engine, tmp_path):
    f = tmp_path / "d.jsonl"
    f.write_text(json.dumps({"turns": ["what is a split-priced round?", "why do startups use them?"],
                             "expected": "split-priced round"}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(f), "--json", "--index", str(engine.settings.index)])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["dialogues"] == 1 and report["hit_at_1"] == 1.0 and report["follow_ups"] == 1


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_eval_summary_prints_the_figures_and_no_question(engine, tmp_path, extra):
    """`qa eval --summary`: what a blind set may be measured with, its questions never shown."""
    f = tmp_path / "q.jsonl"
    rows = [{"question": "what is ai inference?", "expected": "no such text in the article"},
            {"question": "who is the chief zebra keeper?", "expected": None}]
    f.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    args = ["eval", str(f), "--index", str(engine.settings.index)] + extra
    full = CliRunner().invoke(app, args)
    assert full.exit_code == 0, full.stderr
    assert "what is ai inference?" in full.stdout  # a miss, shown
    result = CliRunner().invoke(app, args + ["--summary"])
    assert result.exit_code == 0, result.stderr
    assert "hit" in result.stdout and "inference" not in result.stdout and "zebra" not in result.stdout
    if extra:
        assert json.loads(result.stdout)["misses"] == [] and json.loads(full.stdout)["misses"]


def test_bad_dialogue_file_names_the_line(tmp_path):
    f = tmp_path / "d.jsonl"
    f.write_text('{"turns": ["a", "b"], "expected": null}\n{"turns": "not a list", "expected": null}\n')
    result = CliRunner().invoke(app, ["eval", str(f), "--index", "/nonexistent-index"])
    assert result.exit_code == 1 and "d.jsonl:2" in result.stderr


def test_chat_carries_the_conversation_until_new(engine):
    lines = ["how many rounds has baseten raised lately?", "over how long?", "/new", "over how long?", "/bogus", "",
             "/quit", "never asked"]
    result = CliRunner().invoke(app, ["chat", "--index", str(engine.settings.index)], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    first = engine.ask(lines[0])
    in_context = engine.ask(lines[1], history=[Turn(question=lines[0], answer=first.answer)])
    alone = engine.ask(lines[3])
    assert in_context.answered and not alone.answered
    # piped, the transcript shows each question before its answer and a blank line after it
    expected = "\n".join([f"> {lines[0]}", render.text(first), "", f"> {lines[1]}", render.text(in_context), "",
                          "New conversation.", f"> {lines[3]}", render.text(alone)])
    assert result.stdout.strip() == expected
    assert "unknown command /bogus" in result.stderr


def test_chat_ends_at_end_of_input(engine):
    result = CliRunner().invoke(app, ["chat", "--index", str(engine.settings.index)], input="what is inference?\n")
    assert result.exit_code == 0 and "inference" in result.stdout


def test_the_passage_an_answer_came_from(engine):
    index = engine.index
    r = engine.ask("what is inference?")
    at = index.passage_holding(r.answer)
    assert at is not None and index.passages[at].id == r.citations[0].id
    assert index.passage_holding("  " + r.answer + "\n") == at  # white space around it is not part of it
    assert index.passage_holding("Sorry, I couldn't find an answer to that in the documents.") is None
    assert index.passage_holding("") is None and index.passage_holding("   ") is None


def test_a_follow_up_prefers_the_last_answers_passage_without_more_confidence(engine):
    """The passage the last answer came from is a candidate and gains Weights.previous in the ranking;
    the confidence reads the score without it (Hit.prior)."""
    from qa import retrieve
    from qa.calibration import QueryFacts, features

    index = engine.index
    query, qvec, hits = engine.search("what did they back before? investors betting", 40)
    last = hits[-1].passage  # a passage far down the ranking
    with_prior = retrieve.search(index, qvec, query, 40, previous=last)
    prior = next(h for h in with_prior if h.passage == last)
    plain = next(h for h in hits if h.passage == last)
    assert prior.prior == retrieve.Weights().previous > 0 and plain.prior == 0
    assert prior.score == pytest.approx(plain.score + prior.prior)
    q = QueryFacts.of(index, query)
    i = [h.passage for h in with_prior].index(last)
    j = [h.passage for h in hits].index(last)
    assert features(index, with_prior, q, "x", i)[0] == pytest.approx(features(index, hits, q, "x", j)[0])


def test_a_follow_up_searches_near_the_last_answer_only_when_it_is_one(engine, monkeypatch):
    """The last answer's passage is looked up for a follow-up only: a standalone question after it is
    searched exactly as alone."""
    from qa import retrieve

    seen = []
    real = retrieve.search
    monkeypatch.setattr(retrieve, "search", lambda *a, **kw: seen.append(kw.get("previous")) or real(*a, **kw))
    first = engine.ask("how fast has baseten been raising money?")
    history = [Turn(question=first.question, answer=first.answer)]
    engine.ask("does that worry anyone?", history=history)
    engine.ask("who are the co-leads of the round?", history=history)
    assert seen[-2] == engine.index.passage_holding(first.answer) is not None and seen[-1] is None


def test_a_follow_up_prefers_the_passage_of_the_most_recent_answer(engine, monkeypatch):
    from qa import retrieve

    seen = []
    real = retrieve.search
    monkeypatch.setattr(retrieve, "search", lambda *a, **kw: seen.append(kw.get("previous")) or real(*a, **kw))
    first = engine.ask("what is inference?")
    second = engine.ask("who are the co-leads of the round?")
    assert engine.index.passage_holding(first.answer) != engine.index.passage_holding(second.answer)
    history = [Turn(question=first.question, answer=first.answer), Turn(question=second.question, answer=second.answer)]
    engine.ask("is Wellington one of them?", history=history)
    assert seen[-1] == engine.index.passage_holding(second.answer) is not None


def test_a_follow_up_naming_things_of_its_own_is_searched_alone_too(engine, monkeypatch):
    from qa import retrieve

    calls = []
    real = retrieve.search
    monkeypatch.setattr(retrieve, "search", lambda index, qvec, question, *a, **kw: calls.append(question)
                        or real(index, qvec, question, *a, **kw))
    first = engine.ask("what is a split-priced round?")
    history = [Turn(question=first.question, answer=first.answer)]
    calls.clear()
    engine.ask("what does using one suggest?", history=history)  # nothing of its own: one search
    assert len(calls) == 1 and calls[0].startswith("what does using one suggest? ")
    calls.clear()
    r = engine.ask("do critics dislike the structure then?", history=history)
    assert len(calls) == 2 and calls[1] == "do critics dislike the structure then?" != calls[0]
    assert r.answered and "Critics" in r.citations[0].text


def test_the_search_alone_ranks_the_whole_pool_within_the_scope(engine, monkeypatch):
    """Both searches get the question's scope and the whole candidate pool; what comes back is that
    pool in reorder's order (more than k: the confidence measures the top's lead against all of it)."""
    from qa import retrieve

    calls, reordered = [], []
    real_search, real_reorder = retrieve.search, retrieve.reorder
    monkeypatch.setattr(retrieve, "search", lambda *a, **kw: calls.append(kw) or real_search(*a, **kw))
    monkeypatch.setattr(retrieve, "reorder", lambda *a, **kw: reordered.append(real_reorder(*a, **kw)) or reordered[-1])
    first = engine.ask("what is a split-priced round?")
    history = [Turn(question=first.question, answer=first.answer)]
    calls.clear()
    doc = engine.index.passages[0].doc_id
    _, _, hits = engine.search("do critics dislike the structure then?", 2, documents=[doc], history=history)
    assert len(calls) == 2 and all(c["scope"] is not None and c["scope"].any() for c in calls)
    assert all(c["k"] >= retrieve.CANDIDATE_PASSAGES for c in calls)
    assert calls[0]["previous"] is not None and "previous" not in calls[1]  # the prior: with borrowed words only
    assert [h.passage for h in hits] == [h.passage for h in reordered[-1]] and len(hits) > 2
