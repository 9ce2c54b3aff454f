"""Answering and abstention on the default corpus with the real model (one shared engine)."""

import numpy as np
import pytest

from qa.answer_type import expected, fits
from qa.engine import clean_question
from qa.errors import QuestionError

pytestmark = pytest.mark.model


def test_what_is_inference_cites_the_faq_answer(engine):
    r = engine.ask("what is inference?")
    assert r.answered
    assert r.citations[0].section == "Frequently Asked Questions > What is AI inference?"
    assert r.answer in r.citations[0].text
    assert "inference is" in r.answer.lower()
    assert 0.5 <= r.confidence <= 1


def test_is_13b_realistic_cites_the_valuation_faq(engine):
    r = engine.ask("is $13B realistic?", top_k=3)
    assert r.answered
    assert "The $13 billion valuation is the headline number" in r.answer
    # later citations are scored by how far they trail the answer's passage, not above it
    assert r.citations[0].score == r.confidence > max(c.score for c in r.citations[1:])


@pytest.mark.parametrize("question", ["who is Baseten's CEO?", "recipe for banana bread", "how do I reset my password"])
def test_questions_the_article_cannot_answer_are_declined(engine, question):
    r = engine.ask(question)
    assert not r.answered
    assert r.citations == []
    assert "couldn't find" in r.answer
    assert r.confidence < 0.5


def test_decline_offers_close_faq_questions(engine):
    r = engine.ask("who is Baseten's CEO?")
    assert 1 <= len(r.suggestions) <= 3
    faq = {p.question for p in engine.index.passages if p.question}
    assert set(r.suggestions) <= faq


def test_citations_are_verbatim_slices_of_their_documents(engine):
    r = engine.ask("who co-leads the round?", top_k=3)
    assert r.answered and len(r.citations) == 3
    assert len({c.id for c in r.citations}) == 3
    for c in r.citations:
        doc = engine.index.doc_by_id[c.id.split("#")[0]]
        assert doc.text[c.start:c.end] == c.text
        assert c.source == "corpus/baseten-funding.md"
    assert "Spark Capital" in r.answer
    assert [c.score for c in r.citations] == sorted((c.score for c in r.citations), reverse=True)


def test_typos_are_repaired_before_searching(engine):
    r = engine.ask("whats the valuaton of the new round")
    assert r.answered and "$13 billion valuation" in r.citations[0].text
    assert r.question == "whats the valuaton of the new round"  # the user's words are echoed unchanged


def test_answer_is_a_short_span_not_the_whole_paragraph(engine):
    r = engine.ask("when was baseten founded?")
    assert r.answered and "2019" in r.answer
    assert len(r.answer) < len(r.citations[0].text)


@pytest.mark.parametrize("raw, clean", [("  what\x00 is\tinference?\n", "what is inference?"),
                                        ("مرحبا 👋 café", "مرحبا 👋 café")])
def test_questions_are_cleaned(raw, clean):
    assert clean_question(raw) == clean


@pytest.mark.parametrize("bad", ["", "   ", "\x00\x01", "x" * 501])
def test_empty_or_too_long_questions_are_refused(bad):
    with pytest.raises(QuestionError):
        clean_question(bad)


@pytest.mark.parametrize("question, span, ok", [
    ("who leads the round?", "It is led by Spark Capital.", True),
    ("who leads the round?", "The round is led by investors.", False),
    ("when was it founded?", "It was founded in 2019.", True),
    ("when was it founded?", "It was founded by engineers.", False),
    ("how much did they raise?", "They raised $1.5 billion.", True),
    ("how many staff?", "Founded in 2019.", False),
    ("what is inference?", "Anything.", True),
    ("which python versions does h11 run on", "It supports Python 3 (testing on 3.8-3.12).", True),
    ("which systemd version introduced the compact format", "If enabled, journal files are compact.", False),
    ("how do i find out which zlib version i have", "Look at the top of zlib.h.", True),  # asks for a way
    ("which version control system is used?", "The project uses Git.", True),  # not a version number
    ("what does the version command print?", "It prints the release.", True),
    ("what version of zlib do i need", "Any release works.", False),
    ("which version?", "The newest release.", False),
])
def test_answer_type_checks(question, span, ok):
    assert fits(expected(question), span, question) is ok


def test_two_sentences_that_answer_together_beat_either_alone():
    """Topic in one sentence, answer in the next: the pair's vector (normalised sum) matches better."""
    from qa.retrieve import Weights, pair_leads

    topic, answer, other = np.eye(3, dtype=np.float32)
    q = (topic + answer) / np.linalg.norm(topic + answer)  # asks about both
    vecs = np.stack([other, topic, answer])
    sentence = vecs @ q  # no BM25 here
    leads = pair_leads(vecs, q, np.zeros(3), sentence, Weights())
    assert leads.argmax() == 1 and leads[1] > 0 > leads[0]  # (topic, answer) wins; (other, topic) does not
    leads = pair_leads(vecs, topic, np.zeros(3), vecs @ topic, Weights())  # asks about the topic alone
    assert (leads < 0).all()
    assert len(pair_leads(vecs[:1], q, np.zeros(1), sentence[:1], Weights())) == 0


def test_a_name_the_conversation_already_gave_is_not_an_answer_to_who():
    """'who founded it?' after a question about Acme: 'Acme' in the span answers nothing."""
    from qa import answer_type

    span = "Acme, founded in 2019, makes widgets in Ohio."
    assert answer_type.fits("name", span, "who founded it?")  # alone, "Acme" and "Ohio" look like answers
    assert not answer_type.fits("name", "Acme, founded in 2019, makes widgets.", "who founded it? Acme founded")


@pytest.mark.parametrize("span, question, ok", [
    ("Ed leads it.", "who needs it?", True),  # "Ed" is not the "ed" inside "needs"
    ("Al runs the lab.", "who also runs it?", True),
    ("Acme's founder", "who founded acme's lab?", False),  # the same word, apostrophe and all
    ("Acme founded it.", "who runs acme's lab?", False),  # a possessive is the same name
    ("Acme sells anvils.", "Who founded 'Acme'?", False),  # quoted
    ("Acme sells anvils.", "Who makes Acme-branded anvils?", False),  # part of a compound
    ("Acme sells anvils.", "Who owns Acme.com?", False),
    ("O’Brien wrote it.", "who helped O'Brien?", False),  # curly and straight apostrophes alike
    ("The Smiths’ band", "who joined the smiths?", False),
    ("Émile did it.", "who did it?", True),  # a capital outside A-Z starts a name too
    ("Łukasz wrote it.", "who wrote it?", True),
    ("the 3D model was made in a lab.", "who made it?", False),  # no capitalised word: no name
])
def test_a_name_counts_as_said_only_when_the_question_has_that_word(span, question, ok):
    from qa import answer_type

    assert answer_type.fits("name", span, question) is ok


def test_follow_up_confidence_checks_the_answer_type_against_what_was_searched(engine):
    from qa.calibration import QueryFacts

    facts = QueryFacts.of(engine.index, "who founded it?", "who founded it? Baseten founded")
    assert facts.kind == "name" and facts.text == "who founded it? Baseten founded"
    assert facts.terms == QueryFacts.of(engine.index, "who founded it?").terms  # coverage: the words as asked


def test_two_sentences_of_prose_with_code_between_are_never_one_answer(fake_engine):
    """In prose, a code block between two paragraphs may belong to either: a pair of sentences never
    spans it. (A short FAQ answer is given whole, code included: test_a_short_faq_answer_is_given_whole_...)"""
    engine = fake_engine({"f.md": "# Gadget\n\n## Resetting the gadget\n\nHold the reset button.\n\n```sh\n"
                                  "gadget --reset --hard\n```\n\nThen wait for the light.\n"})
    r = engine.ask("how do I reset the gadget?")
    assert r.citations and "```" not in r.answer and r.answer in r.citations[0].text


@pytest.mark.parametrize("sentence, question", [("Can I recover a broken file?", True), ('Is it "safe?"', True),
                                                ("Why (and when)?", True), ("It is safe.", False),
                                                ("Use 'ps -aux?' no more.", False), ("本当？", True)])
def test_a_sentence_that_asks(sentence, question):
    from qa.corpus import asks

    assert asks(sentence) is question


def test_a_question_in_the_text_is_not_the_answer(fake_engine):
    """A plain-text FAQ read as prose: the question matches best, the answer is what follows it."""
    engine = fake_engine({"faq.txt": "Q:  Can I recover parts of a broken xz file?\n\nA:  There is no recovery "
                                     "program yet. Keep backups instead.\n"})
    query, _, hits = engine.search("can i recover parts of a broken xz file", 1)
    p = engine.index.passages[hits[0].passage]
    assert hits[0].sentence == engine.index.first_sentence[hits[0].passage]  # the question scores best
    from qa.answer import span_text
    from qa.span import answer_span

    for pairs in (True, False):
        span = span_text(engine.index, hits[0], answer_span(engine.index, hits[0], pairs=pairs))
        assert "There is no recovery program yet." in span and not span.rstrip().endswith("?") and span in p.text


@pytest.mark.parametrize("sentence, question, again", [
    ("Baseten is raising money.", "is baseten raising money?", True),
    ("Baseten is raising $1.5 billion at a $13 billion valuation.", "how much is baseten raising?", False),
    ("It lasts.", "what is inference?", False),
    ("", "anything", False),
])
def test_a_sentence_that_only_says_again_what_was_asked(engine, sentence, question, again):
    from qa.span import restates
    from qa.lexical import terms

    assert restates(engine.index, sentence, terms(question)) is again


@pytest.mark.parametrize("text, sentence, inside", [
    ("36. Valgrind says deflate depends on a value.\n    Isn't that a bug?\n\n    No. It is intended.",
     "36. Valgrind says deflate depends on a value.", True),  # a numbered question paragraph opens the passage
    ("36. Valgrind says deflate depends on a value.\n    Isn't that a bug?\n\n    No. It is intended.",
     "It is intended.", False),
    ("Baseten is growing. It raised money.\n\nWhy? Demand.", "It raised money.", False),  # ends with a statement
    ("The list answers within a day. Questions?", "The list answers within a day.", False),  # nothing follows
    ("Steps:\n\n- Restart the daemon.\n- Still broken?\n\nAsk us.", "Restart the daemon.", False),  # not the opening
    ("A long paragraph goes on. " * 20 + "Does it ask?\n\nYes.", "A long paragraph goes on.", False),
])
def test_a_short_paragraph_that_opens_a_passage_asking_is_all_question(text, sentence, inside):
    from qa.span import in_question_paragraph

    at = text.index(sentence)
    assert in_question_paragraph(text, at, at + len(sentence), 0, len(text)) is inside


NUMBERED_FAQ = ("1.1. How do you say it?\n\nLike value.\n\n1.2. Where does it come from?\n\nMyth.\n\n"
                "1.3. Is it free?\n\nYes.\n\n"
                "2.1. The build dies with an assertion failure, like this:\n\n    make: expand.c:489: failed.\n\n"
                "It's probably a bug in make. Upgrade it.\n\n"
                "2.2. My program leaks, but there should be none.\n\nRelax, it is a feature.\n\n"
                "2.3. It says hello? Yes. It says hello.\n\nMore.\n")
NUMBERED_STEPS = ("1. Install the package.\n\nIt takes a minute.\n\n2. Start the server, like this:\n\n    qa serve\n\n"
                  "Then open the page.\n")


@pytest.mark.parametrize("text, entry, sentence, inside", [
    # an FAQ of numbered entries: an entry that states a problem is the question, with the output it shows
    (NUMBERED_FAQ, "2.1.", "2.1. The build dies with an assertion failure, like this:", True),
    (NUMBERED_FAQ, "2.1.", "make: expand.c:489: failed.", True),
    (NUMBERED_FAQ, "2.1.", "It's probably a bug in make.", False),
    (NUMBERED_FAQ, "2.2.", "2.2. My program leaks, but there should be none.", True),
    (NUMBERED_FAQ, "2.2.", "Relax, it is a feature.", False),
    (NUMBERED_FAQ, "2.3.", "It says hello.", False),  # asks, and answers in the same paragraph
    # numbered steps are not questions
    (NUMBERED_STEPS, "1.", "1. Install the package.", False),
    (NUMBERED_STEPS, "2.", "qa serve", False),
])
def test_an_entry_of_a_numbered_faq_that_states_a_problem_is_its_question(text, entry, sentence, inside):
    from qa.span import in_question_paragraph

    p_start = text.index(entry)
    nxt = [text.find(f"\n{n}", p_start + 1) for n in "123"]
    p_end = min([i for i in nxt if i > 0] or [len(text)])
    at = text.index(sentence, p_start)
    assert in_question_paragraph(text, at, at + len(sentence), p_start, p_end) is inside


def test_a_text_is_a_numbered_faq_when_its_numbered_paragraphs_ask():
    from qa.span import numbered_faq

    assert numbered_faq(NUMBERED_FAQ)
    assert not numbered_faq(NUMBERED_STEPS)
    assert not numbered_faq("1.1. Is it free?\n\nYes.\n\n1.2. Is it fast?\n\nYes.\n")  # two are not enough


@pytest.mark.parametrize("text, at, inside", [
    ("Q:  The default build is too big.\n    How can I make it smaller?\n\nA:  Use --enable-small.", 4, True),
    ("Q:  The default build is too big.\n    How can I make it smaller?\n\nA:  Use --enable-small.", 70, False),
    ("Q. Is this ok? It is.\nA. Yes. Fine.", 22, False),  # after the "A." line of the same paragraph
    ("Some text.\n\nThe build is too big. Use a flag.", 12, False),  # no marker
    ("Quality matters.\n\nIt does.", 18, False),  # a word that starts with Q is no marker
    ("Intro.\n\nQ: The build is too big. How can I shrink it?\nA: Use a flag.", 8, True),  # its first sentence
    ("Q: The build is too big.\rHow can I shrink it?\r\rA: Use a flag.", 0, True),  # old Mac line ends
    ("Q: The build is too big.\rHow can I shrink it?\r\rA: Use a flag. It helps.", 50, False),
    ("Q: Is it big?\rA: Yes. Very.", 22, False),
    ("Results.\n\nQ1: Revenue grew. Costs fell to 3 million.", 9, False),  # a quarter, not a question
    ("Intro.\n\n\nQ: The build is too big. How can I shrink it?\n\nA: Use a flag.", 9, True),  # two blank lines
    ("Intro.\r\n \r\n\r\nQ: The build is too big. How can I shrink it?", 13, True),
    ("Q: The build is too big.\r\nHow can I shrink it?\r\n\r\nA: Use a flag.", 30, True),  # CRLF: one line end
])
def test_the_text_of_a_marked_question_is_not_an_answer(text, at, inside):
    from qa.span import in_marked_question

    assert in_marked_question(text, at) is inside


@pytest.mark.parametrize("question, kind", [
    ("how do i see how big my pip cache is", None),  # a way, not a size
    ("how can i find out how many items are in an array", None),
    ("when does it make sense to start sshd on demand", None),  # a condition, not a time
    ("what's the best way to count them?", None),
    ("how big is the pip cache", "quantity"),
    ("how much is baseten raising?", "quantity"),
    ("when did the series E close?", "time"),
    ("how long ago was the series D", "time"),
    ("who led the round", "name"),
])
def test_the_kind_of_answer_a_question_wants(question, kind):
    assert expected(question) == kind


def test_a_passage_of_questions_alone_is_never_answered_from(fake_engine):
    """A list of open questions matches a question best and answers nothing: it is not cited."""
    engine = fake_engine({"open.txt": "Does Foo run on Windows?\n\nIs there a GUI for Foo?\n",
                          "guide.txt": "Foo runs on Windows, macOS and Linux.\n"})
    _, _, hits = engine.search("does foo run on windows?", 3)
    assert engine.index.passages[hits[0].passage].doc_id == "open.txt"  # it matches best
    r = engine.ask("does foo run on windows?")
    assert all(c.source.endswith("guide.txt") for c in r.citations)
    assert not r.answered or r.answer == "Foo runs on Windows, macOS and Linux."


@pytest.mark.parametrize("question, yes_or_no", [("is the router waterproof?", True), ("Does it work?", True),
                                                 ("can't I use it?", True), ("how do I use it?", False),
                                                 ("isolation levels?", False), ("what is it?", False)])
def test_a_question_that_asks_yes_or_no(question, yes_or_no):
    from qa.span import yes_no

    assert yes_no(question) is yes_or_no


@pytest.mark.parametrize("files, question, answer", [
    # saying it again is the answer to a yes/no question: nothing unrelated is appended
    ({"notes.txt": "The router is waterproof. The box also contains two Ethernet cables and a power adapter.\n"},
     "is the router waterproof?", "The router is waterproof."),
    # two paragraphs alike are not one answer because they match nearly as well together
    ({"results.txt": "Revenue in Q2 was 4 million dollars.\n\nRevenue in Q3 was 5 million dollars.\n"},
     "what was revenue in Q3?", "Revenue in Q3 was 5 million dollars."),
])
def test_answers_do_not_take_in_what_does_not_answer(fake_engine, files, question, answer):
    engine = fake_engine(files)
    _, _, hits = engine.search(question, 1)
    from qa.answer import span_text
    from qa.span import answer_span
    from qa.lexical import terms

    span = span_text(engine.index, hits[0], answer_span(engine.index, hits[0], asked=terms(question), question=question))
    assert span == answer


@pytest.mark.parametrize("files, question, must, must_not", [
    ({"faq.txt": "Can zlib handle .Z files?\n\n    No, sorry.  You have to spawn an uncompress or gunzip subprocess.\n"},
     "can zlib handle .Z files?", ["No, sorry.", "You have to spawn an uncompress"], []),
    ({"faq.txt": "Will you sign our legal forms?\n\n    No. Go away. Shoo. We are busy people. Thanks.\n"},
     "will you sign our legal forms", ["No. Go away. Shoo."], ["busy"]),  # three sentences at most
])
def test_a_reply_of_a_few_words_is_joined_by_what_follows(fake_engine, files, question, must, must_not):
    engine = fake_engine(files)
    answer = engine.ask(question).answer
    assert all(m in answer for m in must) and not any(m in answer for m in must_not), answer


def test_a_short_faq_answer_is_given_whole_with_the_code_it_holds(fake_engine):
    """An FAQ entry of two sentences with a command between them was written as one answer: given
    whole, the command included, not its last sentence alone ("After that, the tool is ready")."""
    engine = fake_engine({"faq.md": "# Widget FAQ\n\n## How do I install the widget tool?\n\n"
                                    "Run the following commands in a terminal:\n\n```sh\nsudo apt-get install widget\n```"
                                    "\n\nAfter that, the widget tool is ready to use.\n\n"
                                    "## Is the widget tool free?\n\nYes, it is free software.\n"})
    r = engine.ask("How do I install the widget tool?")
    assert r.answered and r.answer.startswith("Run the following commands") and "sudo apt-get install widget" in r.answer
    assert r.answer.endswith("ready to use.") and r.answer in r.citations[0].text


@pytest.mark.parametrize("question, fix", [
    ("LD_LIBRARY_PATH gets dropped under ssh-agent, workaround?", True), ("scp breaks, any fix", True),
    ("go live fails, what should i do", True), ("i got into someone's data, now what", True),
    ("youtube warns the bitrate is low, should i worry", True), ("who do i ask for a fixed uid", False),
    ("scp -L isnt supported, what do i use instead", True), ("whats the right way to set the terminal", True),
    ("nothing resolves, any options left", True), ("how can i avoid the rebuild", True),
    ("what does instead mean here", False), ("how can i prevent being asked", True), ("what is the left option", False),
    ("what do i use instead?", True), ("what do people use instead of make", False), ("how do i stop the service", False),
    ("what does the timing flag do", False),
    # a problem stated, not asked about: what to do is what is wanted
    ("build breaks on AIX with /usr/bin/make", True), ("lsof lists nothing for the process", True),
    ("the daemon doesnt start after the upgrade", True), ("make fails: no rule to make target", True),
    ("error for mixing right to left chars", False),  # a lookup, not a problem
    ("why does the build break on AIX", False), ("the build breaks on AIX?", False),  # asked: explained as asked
    ("base exception for idna errors", False),
])
def test_a_question_that_asks_for_a_fix(question, fix):
    from qa.span import asks_for_a_fix

    assert asks_for_a_fix(question) is fix


def test_asked_for_a_fix_the_answer_goes_on_from_the_problem_to_the_fix(fake_engine):
    text = ("The commercial scp server changed its protocol, breaking copies from OpenSSH clients.\n\n"
            "Installing scp1 remotely, or using sftp, helps.\n")
    engine = fake_engine({"notes.txt": text})
    assert "Installing scp1" in engine.ask("copies to the commercial scp server break, any fix?").answer
    assert "Installing scp1" not in engine.ask("does the commercial scp server break copies?").answer


@pytest.mark.parametrize("sentence, short", [("No.", True), ("No, sorry.", True), ("Yes, it is.", True),
                                             ("インストールにはPython 3.10以降が必要です。", False),
                                             ("Delete the cache folder.", False)])
def test_a_short_reply(sentence, short):
    from qa.span import short_reply

    assert short_reply(sentence) is short


@pytest.mark.parametrize("files, question, must, must_not", [
    # a fix already given: the next paragraph, about something else, is not taken in
    ({"notes.txt": "The build fails with error E42 when the cache is full. Delete the cache folder and build "
                   "again.\n\nToasters brown bread evenly on both sides.\n"},
     "build fails with error E42, workaround?", ["Delete the cache folder"], ["Toasters"]),
    # an FAQ answer that ends with a question is still an answer
    ({"faq.jsonl": '{"question": "Can the frobnicator run on a Raspberry Pi?", "answer": "Yes, the frobnicator '
                   'runs on every Raspberry Pi model since the 3B. Install the armhf package. Have you enabled '
                   'the SPI bus?"}\n'},
     "can the frobnicator run on a raspberry pi?", ["Yes, the frobnicator runs"], []),
])
def test_review_cases_answer_what_they_should(fake_engine, files, question, must, must_not):
    engine = fake_engine(files)
    r = engine.ask(question)
    assert r.answered and all(m in r.answer for m in must) and not any(m in r.answer for m in must_not), r.answer


def test_a_paragraph_right_above_a_question_heading_is_not_a_question(write_corpus):
    """No blank line between a paragraph and the "## …?" heading below it: the heading is not part
    of the paragraph's passage, so the paragraph does not end asking."""
    from qa.corpus import load_document
    from qa.span import in_question_paragraph

    corpus = write_corpus({"g.md": "# Gadget\n\n## Charging\n\nThe gadget charges fully in ninety minutes over "
                                   "USB-C.\n## Does it work underwater?\n\nNo. It is not sealed.\n"})
    doc = load_document(corpus / "g.md", "g.md")
    p = next(p for p in doc.passages if "ninety" in p.text)
    a, b = p.sentences[0]
    assert not in_question_paragraph(doc.text, a, b, p.start, p.end)


@pytest.mark.parametrize("question, explains", [
    ("why are ls, dir and vdir separate programs", True), ("how do i tell pip not to install dependencies", True),
    ("what happens if i turn off SYSTEMD_IMPORT_SYNC", True), ("can i just stop pip", True),
    ("how many rounds did they raise", False), ("who leads the round", False), ("what is inference", False),
])
def test_a_question_that_asks_for_an_explanation(question, explains):
    from qa.span import explains as asks_why

    assert asks_why(question) is explains


def test_asked_why_a_lone_sentence_takes_in_the_next_one(fake_engine):
    text = ("The ls, dir and vdir commands ship as separate programs in coreutils since the early releases of "
            "GNU fileutils. Making one program behave differently by its name is confusing. Zebras have stripes.\n")
    engine = fake_engine({"notes.txt": text})
    answer = engine.ask("why are the ls dir and vdir commands separate programs?").answer
    assert "Making one program behave" in answer and "Zebras" not in answer, answer


@pytest.mark.parametrize("question", ["what is inference?", "is $13B realistic?", "who leads the round", "zzz"])
def test_a_scoped_search_ranks_as_scoring_every_passage_in_scope_one_by_one(engine, question):
    """best_in_scope scores a whole scope with array arithmetic: its ranking is score_passage's."""
    from qa import retrieve

    index = engine.index
    qvec = engine._embedder().embed([question])[0]
    bm25_s = retrieve.sentence_bm25(index, question)
    cov = retrieve.passage_coverage(index, question)
    rng = np.random.default_rng(len(question))
    for keep in (1.0, 0.7, 0.4):
        scope = rng.random(len(index.passages)) < keep
        want = sorted(np.flatnonzero(scope), key=lambda i: -retrieve.score_passage(index, int(i), qvec, bm25_s,
                                                                                     retrieve.Weights(), cov).score)[:5]
        got = [h.passage for h in retrieve.search(index, qvec, question, 5, scope=scope)]
        assert got == [int(i) for i in want]
        assert set(retrieve.best_in_scope(index, qvec, bm25_s, scope, 3, cov=cov)) == {int(i) for i in want[:3]}  # no ties here


def test_a_scoped_search_over_faq_entries_and_curated_phrasings_ranks_as_one_by_one(fake_engine):
    """The same, on a corpus of FAQ entries (question cosine, FAQ weights) with curated phrasings."""
    from qa import retrieve

    rows = "".join(f'{{"id": "e{i}", "question": "How do I set option {i} of the widget?", '
                   f'"answer": "Option {i} is set in the panel. It takes effect at once."}}\n' for i in range(40))
    prose = "\n\n".join(f"Paragraph {i} talks about widget colour {i}." for i in range(30))
    fruits = "kiwi plum pear fig lime date yuzu sloe quince lemon".split()
    sections = "".join(f"# About {f}\n\nThe tool stops here.\n\n" for f in fruits)  # one sentence, many headings
    engine = fake_engine({"faq.jsonl": rows, "notes.txt": prose, "fruit.md": sections,
                          "alternates.yaml": 'alternates:\n  e7:\n    - "change widget setting seven"\n'
                                             '  e19: "where is option nineteen"\n'})
    index = engine.index
    assert len(index.phrasing_owner) == 2
    for question in ("change widget setting seven", "where is option nineteen", "widget colour 3", "quince tool stops"):
        qvec = engine._embedder().embed([question])[0]
        bm25_s = retrieve.sentence_bm25(index, question)
        cov = retrieve.passage_coverage(index, question)
        most = np.ones(len(index.passages), dtype=bool)
        most[1::3] = False
        few = np.zeros(len(index.passages), dtype=bool)  # under half the corpus: scored from its own rows
        few[[5, 7, 19, 22, 30, 33, 41, 45, 48, 50]] = True
        for scope in (most, few):
            check_scope(index, question, qvec, bm25_s, cov, scope)
    # passages that score alike come in document order, as when scored one by one
    question = "the tool stops here"
    qvec = engine._embedder().embed([question])[0]
    bm25_s = retrieve.sentence_bm25(index, question)
    everything = np.ones(len(index.passages), dtype=bool)
    kept = retrieve.best_in_scope(index, qvec, bm25_s, everything, 3,
                                  cov=retrieve.passage_coverage(index, question))
    assert [index.passages[i].section for i in kept] == ["About kiwi", "About plum", "About pear"]
    hits = retrieve.search(index, qvec, question, 3, scope=everything)
    assert [index.passages[h.passage].section for h in hits] == ["About kiwi", "About plum", "About pear"]


def check_scope(index, question, qvec, bm25_s, cov, scope):
    """search() and best_in_scope() over `scope` agree with scoring its passages one by one."""
    from qa import retrieve

    exact = {int(i): retrieve.score_passage(index, int(i), qvec, bm25_s, retrieve.Weights(), cov).score
             for i in np.flatnonzero(scope)}
    top5 = sorted(exact.values())[-5:][::-1]  # FAQ entries alike tie: compare scores, not which of them
    assert [exact[h.passage] for h in retrieve.search(index, qvec, question, 5, scope=scope)] == pytest.approx(top5)
    best = retrieve.best_in_scope(index, qvec, bm25_s, scope, 5, cov=cov)  # no wider net: the 5 best (ties aside)
    assert sorted(exact[i] for i in best) == pytest.approx(top5[::-1])
    if top5[0] > top5[1] + 1e-4:  # a clear winner ("quince": only its heading names the fruit) is the one kept
        assert retrieve.best_in_scope(index, qvec, bm25_s, scope, 1, cov=cov) == [max(exact, key=exact.get)]


@pytest.mark.parametrize("sentence, is_label", [
    ("libvirt", True), ("--profile or --norman", True), ("`--with-db=LIBRARY`", True), ("Bug Tracker", True),
    ("https://gitlab.com/man-db/man-db/-/issues/a-very-long-link-that-is-one-word", True),
    ("No.", False), ("These are:", False), ("Is it safe?", False),  # a reply, an introduction, a question
    ("Some web servers run as www-data.", False), ("the maximum number of open files per user", False),
    ("| --foo | 10 |", False), ("return 0;\n}", False), ("}", False), ("42", False),  # a table row, code, numbers
    ("配置文件", True), ("这是一个很长的中文句子没有标点符号但是它确实说了很多关于配置文件的事情", False),  # no spaces to count words by
])
def test_a_label(sentence, is_label):
    from qa.span import label

    assert label(sentence) is is_label


def span_of(engine, text_scores, question: str = ""):
    """The answer span of the corpus's one passage when its sentences score `text_scores`."""
    import numpy as np

    from qa.answer import span_text
    from qa.lexical import terms
    from qa.retrieve import Hit
    from qa.span import answer_span

    index = engine.index
    (passage,) = range(len(index.passages))
    assert len(index.passages[passage].sentences) == len(text_scores)
    hit = Hit(passage, 1.0, index.first_sentence[passage], np.array(text_scores), 0.5, 0.0)
    return span_text(index, hit, answer_span(index, hit, asked=terms(question), question=question))


def test_an_answer_opening_with_a_label_takes_in_the_sentence_after(fake_engine):
    """A term of a definition list may match the question best; alone, or with only the first
    sentence of what it labels, it says little: it does not count as one of the answer's sentences."""
    text = ("sync\n\nThe shell of user sync is /bin/sync. Anyone can then sync the system at the console. "
            "It is explained in Debian Policy.\n")
    engine = fake_engine({"groups.txt": text})
    first, second = "The shell of user sync is /bin/sync.", "Anyone can then sync the system at the console."
    assert span_of(engine, [1.0, 0.5, 0.4, 0.3]) == f"sync\n\n{first}"  # the label alone: it and the next
    assert span_of(engine, [1.0, 0.99, 0.4, 0.3]) == f"sync\n\n{first} {second}"  # the label and one: one more
    assert span_of(engine, [0.2, 1.0, 0.4, 0.3]) == first  # no label: as before
    # asked why, a lone sentence takes in the next one: after a label too, it is still lone
    assert span_of(engine, [1.0, 0.5, 0.4, 0.3], "why is the shell of sync /bin/sync") == f"sync\n\n{first} {second}"


def test_a_label_does_not_take_in_the_next_label_or_stand_alone(fake_engine):
    engine = fake_engine({"groups.txt": "sync\n\nThe shell of user sync is /bin/sync.\n\ngames\n\n"
                                        "Players of games use this account.\n"})
    # the label and its one sentence: the next entry's label is not taken in
    assert span_of(engine, [1.0, 0.99, 0.1, 0.1]) == "sync\n\nThe shell of user sync is /bin/sync."
    engine = fake_engine({"groups.txt": "The shell of user sync is /bin/sync.\n\nsync\n"})
    # a label that labels nothing in its passage is not the answer: the best other sentence is
    assert span_of(engine, [0.5, 1.0]) == "The shell of user sync is /bin/sync."


def test_an_answer_opening_with_a_question_of_the_text_takes_in_one_more_sentence(fake_engine):
    """The question and the first sentence of its answer often match best together; the question
    does not count as one of the answer's sentences."""
    engine = fake_engine({"faq.txt": "Q:  Can I recover parts of a broken xz file?\n\nA:  It may be possible if the "
                                     "file has many blocks. There is no recovery program yet. Keep backups.\n"})
    answer = engine.ask("can i recover parts of a broken xz file").answer
    assert answer.startswith("Q:") and answer.endswith("There is no recovery program yet."), answer


def test_the_last_answers_passage_is_a_candidate_however_low_it_ranks(fake_engine):
    """Among many passages, one that matches nothing is not a candidate; named as `previous` (a
    follow-up's last answer came from it), it is, with Weights.previous added to its score."""
    from qa import retrieve

    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima"]
    paras = [f"The {a} unit talks to the {b} unit over port {n}. It logs to the {a} file." for n, (a, b) in
             enumerate((a, b) for a in words for b in words if a != b)]
    paras.append("Quartz sandwiches are unrelated to everything else here.")
    engine = fake_engine({"units.md": "".join(f"## Part {n}\n\n{text}\n\n" for n, text in enumerate(paras))})
    index = engine.index
    odd = index.passage_holding("Quartz sandwiches are unrelated to everything else here.")
    assert odd is not None and len(index.passages) > 3 * retrieve.CANDIDATE_PASSAGES
    query, qvec, hits = engine.search("which port does the alpha unit use to reach bravo", len(index.passages))
    assert odd not in [h.passage for h in hits]
    hits = retrieve.search(index, qvec, query, len(index.passages), previous=odd)
    (hit,) = [h for h in hits if h.passage == odd]
    assert hit.prior == retrieve.Weights().previous


def test_the_passage_an_answer_was_given_from(fake_engine):
    import json as _json

    rows = [{"id": "csv", "question": "Can I export my data as CSV?", "answer": "Yes."},
            {"id": "free", "question": "Is the free plan limited to three projects?", "answer": "Yes."},
            {"id": "sso", "question": "Do you support single sign-on?",
             "answer": "Single sign-on works with any SAML provider. Set it up under Settings."}]
    engine = fake_engine({"faq.jsonl": "\n".join(_json.dumps(r) for r in rows) + "\n",
                          "groups.txt": "sync\n\nThe shell of user sync is /bin/sync. It syncs.\n"})
    index = engine.index
    ids = [p.id for p in index.passages]
    sso = ids.index("sso")
    assert index.passage_holding("Single sign-on works with any SAML provider. Set it up under Settings.") == sso
    assert index.passage_holding("Single sign-on works with any SAML provider.") == sso  # a prefix of it
    assert index.passage_holding("  Set it up under Settings.\n") == sso  # from a later sentence, space around
    assert index.passage_holding("Yes.") is None  # two entries give it: neither is named
    sync = index.passage_holding("sync\n\nThe shell of user sync is /bin/sync.")  # opening with a one-word label
    assert sync is not None and index.passages[sync].doc_id == "groups.txt"
    assert index.passage_holding("works with any SAML provider.") is None  # not from a sentence's start
    assert index.passage_holding("Sorry, I couldn't find an answer to that in the documents.") is None
    scope = index.scope(["groups.txt"])
    assert index.passage_holding("Single sign-on works with any SAML provider.", scope) is None  # out of scope
    assert index.passage_holding("sync\n\nThe shell of user sync is /bin/sync.", scope) == sync


def test_a_scoped_follow_up_never_borrows_a_passage_outside_its_scope(fake_engine):
    from qa import retrieve

    engine = fake_engine({"a.md": "# A\n\nThe alpha unit talks to bravo over port 7.\n",
                          "b.md": "# B\n\nThe charlie unit talks to delta over port 9.\n"})
    index = engine.index
    a = index.passage_holding("The alpha unit talks to bravo over port 7.")
    b = index.passage_holding("The charlie unit talks to delta over port 9.")
    query, qvec, _ = engine.search("which port does charlie use", 5)
    scope = index.scope(["b.md"])
    hits = retrieve.search(index, qvec, query, 5, scope=scope, previous=a)  # a is outside: ignored
    assert [h.passage for h in hits] == [b] and hits[0].prior == 0
    hits = retrieve.search(index, qvec, query, 5, scope=scope, previous=b)  # scored whole (best_in_scope)
    assert hits[0].passage == b and hits[0].prior == retrieve.Weights().previous


def test_a_passage_the_prior_lifts_to_the_top_leads_by_nothing(fake_engine):
    """The confidence reads scores without the prior: the lifted passage's own score, and a lead of 0
    (not the negative one it has on scores alone); the passage it passed trails by its true margin."""
    from dataclasses import replace

    from qa.calibration import QueryFacts, features

    engine = fake_engine({"a.md": "# A\n\nThe alpha unit talks to bravo over port 7.\n\n# B\n\n"
                                  "The charlie unit talks to delta over port 9.\n"})
    index = engine.index
    query, _, hits = engine.search("which port does alpha use", 2)
    assert len(hits) == 2 and hits[0].score > hits[1].score
    gap = hits[0].score - hits[1].score
    lifted = [replace(hits[1], score=hits[1].score + gap + 0.01, prior=gap + 0.01), hits[0]]
    q = QueryFacts.of(index, query)
    plain_top, plain_second = features(index, hits, q, "x", 0), features(index, hits, q, "x", 1)
    top, second = features(index, lifted, q, "x", 0), features(index, lifted, q, "x", 1)
    assert top[0] == pytest.approx(plain_second[0]) and top[1] == 0.0
    assert second[0] == pytest.approx(plain_top[0]) and second[1] == pytest.approx(plain_top[1]) and plain_top[1] > 0


def test_a_lone_sentence_takes_in_the_next_one_that_leans_on_it(fake_engine):
    def answer(second: str, question: str = "", gap: str = " ") -> str:
        engine = fake_engine({"notes.txt": f"Try the --track-origins=yes option to get extra information.{gap}"
                                           f"{second} Memcheck also finds leaks.\n"})
        return span_of(engine, [1.0, 0.2, 0.1], question)

    first = "Try the --track-origins=yes option to get extra information."
    for leans in ("This makes Memcheck run slower.", "“It makes Memcheck run slower.”", "**These** runs are slower.",
                  "Thus Memcheck runs slower."):
        assert answer(leans) == f"{first} {leans}", leans
    for not_leaning in ("Memcheck runs slower then.", "There is a section on speed below.", "IT staff must approve it.",
                        "Also, the log directory must be writable.", "Italy is far."):
        assert answer(not_leaning) == first, not_leaning
    assert answer("This makes Memcheck run slower.", gap="\n\n") == first  # another paragraph
    assert answer("It runs 10 times slower.", "how many times slower is it") == first  # a number was asked for


def test_asked_why_an_answer_goes_on_to_the_reason(fake_engine):
    def answer(reason: str, question: str) -> str:
        engine = fake_engine({"groups.txt": f"The tty group must have the GID 5. {reason} Other groups may have any GID.\n"})
        return span_of(engine, [1.0, 0.2, 0.1], question)

    first = "The tty group must have the GID 5."
    # "what's the reason …" is not taken for a how/why explanation (span.explains): this rule alone acts
    for reason in ("The reason is that devpts is mounted early.", "Devpts is mounted early, that’s why.",
                   "Devpts needs it since it is mounted before users can be looked up."):
        assert answer(reason, "what's the reason for that") == f"{first} {reason}", reason
    for no_reason in ("Debian has used that value since version 3.", "Debian has used it since 2019.",
                      "Otherwise, edit /etc/group by hand.", "The next section explains how to pick one."):
        assert answer(no_reason, "what's the reason for that") == first, no_reason
    assert answer("The reason is that devpts is mounted early.", "which gid is it") == first  # no reason asked for


@pytest.mark.parametrize("question, why", [("why is the tty gid fixed", True), ("how come it fails", True),
                                           ("what's the reason for gid 5", True), ("which gid is it", False),
                                           ("what are the reasons behind that", True), ("what is it for?", True),
                                           ("what for loops exist", False)])
def test_a_question_that_asks_why(question, why):
    from qa.span import asks_why

    assert asks_why(question) is why
