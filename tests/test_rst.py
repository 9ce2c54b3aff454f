"""reStructuredText documents: docutils to HTML, then read as HTML (qa.rstdoc)."""

from pathlib import Path

from qa.corpus import load_corpus

SPHINX_FAQ = """.. _faq:

:orphan:
:description: Questions people ask about the widget.

Widget FAQ
==========

.. toctree::
   :maxdepth: 2

   install
   usage

.. include:: secret.txt

How do I install it?
--------------------

Run :command:`pip install widget`, as :ref:`the install guide <install>` says; it calls
:func:`~widget.core.install` to set up :py:class:`widget.Widget`.

.. code-block:: python
   :linenos:

   import widget
   widget.install()

.. versionadded:: 2.0
   The ``--user`` flag.

.. note:: Restart your shell afterwards.

Does it support Windows?
------------------------

Yes, since version 3.

.. tab:: Linux
   :sync: linux

   Use the package manager on Linux.

.. automodule:: widget
   :members:

Options
-------

--verbose   Print every step.
--quiet     Print nothing.
"""


def test_a_sphinx_faq_in_rst_reads_as_its_text(write_corpus):
    """Headings ending in "?" are FAQ questions; Sphinx's roles read as their words, its directives
    as their content or (toctree, automodule) as nothing; code is not a sentence; the metadata
    fields that open the file are not text; and nothing is read from another file."""
    corpus = write_corpus({"faq.rst": SPHINX_FAQ, "secret.txt": "The password is hunter2.\n"})
    docs = {d.id: d for d in load_corpus(corpus, warn=lambda line: None)}
    doc = docs["faq.rst"]
    assert doc.title == "Widget FAQ"
    assert "hunter2" not in doc.text  # .. include:: is off: it would read any file the server can
    by_question = {p.question: p for p in doc.passages if p.question}
    install = by_question["How do I install it?"]
    assert install.section == "Widget FAQ > How do I install it?"
    sentences = [doc.text[a:b] for a, b in install.sentences]
    assert sentences[0] == ("Run pip install widget, as the install guide says; it calls install to set up "
                            "widget.Widget.")
    assert "New in version 2.0: The --user flag." in sentences
    assert "Restart your shell afterwards." in sentences
    assert not any("import widget" in s for s in sentences)  # code is cited, never an answer
    windows = by_question["Does it support Windows?"]
    assert "Use the package manager on Linux." in windows.text and ":sync:" not in doc.text
    for absent in ("maxdepth", "usage", "automodule", ":members:", "orphan", "description", "Questions people ask"):
        assert absent not in doc.text, absent
    assert any(p.section.endswith("--verbose") and "Print every step." in p.text for p in doc.passages)
    for p in doc.passages:  # offsets refer to the text GET /api/documents serves
        assert doc.text[p.start:p.end] == p.text


def test_rst_without_a_title_is_named_by_its_file_and_odd_markup_does_not_stop_it(write_corpus):
    corpus = write_corpus({"release-notes.rst": "Some text with an :unknown:`role` and a `broken link`_.\n\n"
                                                 ".. unknowndirective:: argument words\n\n   Its body text.\n\n"
                                                 "* a list item\n\n  unbalanced *emphasis\n"})
    [doc] = load_corpus(corpus, warn=lambda line: None)
    assert doc.title == "Release notes"
    assert "Some text with an role and a broken link." in doc.text
    assert "argument words" in doc.text and "Its body text." in doc.text
    assert "<string>" not in doc.text and "System Message" not in doc.text
