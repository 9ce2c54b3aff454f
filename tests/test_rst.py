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
    assert "import widget" in install.text and not any("import widget" in s for s in sentences)  # cited, never an answer
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


def test_rst_as_sphinx_reads_it(write_corpus):
    """A table of contents (.. contents::) leaves the page's text alone; a lone subsection is a
    section (its question asks), not the document's subtitle; a file of several top sections is
    named by its file; conditions, context and generated-code directives add no words, code
    directives are code, autodoc's hand-written text and a figure's caption are read; a role one
    file defines does not change how the next file reads."""
    corpus = write_corpus({
        "a-faq.rst": "Widget FAQ\n==========\n\n.. contents::\n\nIs it free?\n-----------\n\nYes, it is free.\n",
        "b-lone.rst": "Widget FAQ\n==========\n\nHow do I install it?\n--------------------\n\nRun pip from a terminal.\n",
        "c-notes.rst": "Intro about widgets.\n\nInstall\n=======\n\nRun pip.\n\nUsage\n=====\n\nCall run.\n",
        "d-sphinx.rst": ".. role:: func(emphasis)\n\nT\n=\n\n.. only:: latex\n\n   Printed manuals say this.\n\n"
                        ".. program:: pip install\n\n.. py:currentmodule:: email.message\n\n"
                        ".. sectionauthor:: Barry <b@example.com>\n\n.. plot::\n\n   import matplotlib\n\n"
                        ".. autoclass:: Foo\n\n   Foo holds the settings.\n\n.. figure:: x.png\n\n"
                        "   The widget on a desk.\n",
        "e-after.rst": "Call :func:`~a.b.compute` to compute it.\n",
    })
    docs = {d.id: d for d in load_corpus(corpus, warn=lambda line: None)}
    assert [(p.question, p.text) for p in docs["a-faq.rst"].passages] == [("Is it free?", "Yes, it is free.")]
    assert [p.question for p in docs["b-lone.rst"].passages] == ["How do I install it?"]
    assert docs["c-notes.rst"].title == "C notes"
    sphinx = docs["d-sphinx.rst"]
    sentences = [sphinx.text[a:b] for p in sphinx.passages for a, b in p.sentences]
    assert sentences == ["Printed manuals say this.", "Foo holds the settings.", "The widget on a desk."]
    assert "import matplotlib" in sphinx.text  # code: cited with the text around it
    for absent in ("latex", "pip install", "email.message", "Barry"):
        assert absent not in sphinx.text, absent
    assert "Call compute to compute it." in docs["e-after.rst"].text


def test_a_block_docutils_cannot_read_is_left_out_with_a_warning_naming_its_line(write_corpus):
    corpus = write_corpus({"t.rst": "T\n=\n\nBefore the table.\n\n.. list-table::\n   :widths: 10 20\n\n"
                                    "   * - a\n     - b\n     - c\n\nAfter the table.\n"})
    warnings: list[str] = []
    [doc] = load_corpus(corpus, warn=warnings.append)
    assert "Before the table." in doc.text and "After the table." in doc.text
    assert len(warnings) == 1 and "t.rst: line 6:" in warnings[0] and "left out" in warnings[0], warnings
