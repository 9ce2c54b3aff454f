"""The `qa` command: a thin layer over qa.engine. Errors become one line on stderr and exit 1.

Everything printed that comes from the documents, the query log or the user goes through
qa.render.safe: no escape sequence reaches the terminal."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from qa.config import Settings
from qa.errors import QAError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None, help="Answer questions from your documents, with citations.",
                  context_settings={"help_option_names": ["-h", "--help"]})

# folders are read as text, so that an empty one ("--index ''") is refused, not read as "."
CorpusOpt = Annotated[Optional[str], typer.Option("--corpus", metavar="DIR",
                                                  help="documents folder [env QA_CORPUS; default ./corpus]")]
IndexOpt = Annotated[Optional[str], typer.Option("--index", metavar="DIR",
                                                 help="index folder [env QA_INDEX; default ./.qa-index]")]
TopKOpt = Annotated[Optional[int], typer.Option("--top-k", min=1, max=10, help="citations per answer [default 3]")]


def show_version(value: bool) -> None:
    if value:
        from qa import __version__

        typer.echo(f"qa {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(version: Annotated[bool, typer.Option("--version", callback=show_version, is_eager=True,
                                                       help="print the version and exit")] = False) -> None:
    """Answer questions from your documents, with citations."""


# settings only a server reads: a bad value of one is `qa serve`'s error, not every command's
SERVER_ONLY = ("workers", "max_body_bytes", "cors_origins", "reload_token", "watch_interval")


def settings(corpus: str | None, index: str | None, top_k: int | None = None, server: bool = False) -> Settings:
    from pydantic import ValidationError

    for flag, value in (("--corpus", corpus), ("--index", index)):
        if value is not None and not value.strip():
            fail(QAError(f"{flag} needs a folder; it was given an empty value."))
    overrides = {k: v for k, v in {"corpus": corpus, "index": index, "top_k": top_k}.items() if v is not None}
    try:
        return Settings(**overrides)
    except ValidationError as e:  # a bad QA_ variable: name it, in one line
        bad = [str(err["loc"][0]) for err in e.errors()]
        if not server and all(name in SERVER_ONLY for name in bad):
            return Settings(**overrides, **{name: Settings.model_fields[name].default for name in bad})
        err = e.errors()[0]
        fail(QAError(f"Setting QA_{str(err['loc'][0]).upper()} is not valid: {err['msg']}."))


def fail(error: Exception) -> None:
    warn(error)
    raise typer.Exit(1)


def warn(message: object) -> None:
    """One line on stderr, "qa: " first, control characters neutralised."""
    from qa.render import safe

    typer.echo(f"qa: {safe(str(message))}", err=True)


def log(line: str) -> None:
    """The engine's progress and warnings (index builds, skipped documents), on stderr."""
    from qa.render import safe

    typer.echo(safe(line), err=True)


def use_color() -> bool:
    """Colour on a terminal, unless NO_COLOR is set (no-color.org) or the terminal is "dumb"."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def echo_json(text: str) -> None:
    """JSON on stdout; escaped to ASCII when stdout cannot take UTF-8 (PYTHONIOENCODING=latin-1): the
    same JSON either way."""
    from qa import render

    text = render.safe_json(text)
    typer.echo(text if utf8(sys.stdout) else render.ascii_json(text))


def utf8(stream) -> bool:
    import codecs

    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name == "utf-8"
    except LookupError:
        return False


def stdin_lines():
    """(line number, line) for each line of stdin that is not blank. Bytes that are not UTF-8 become
    lone surrogates, which clean_question refuses: one bad line does not stop the others."""
    buffer = getattr(sys.stdin, "buffer", None)
    lines = sys.stdin if buffer is None else (b.decode("utf-8", "surrogateescape") for b in buffer)
    for n, line in enumerate(lines, 1):
        if line.strip():
            yield n, line


@app.command()
def ask(question: Annotated[Optional[str], typer.Argument(help="the question; omit to read one per line from stdin")] = None,
        json_out: Annotated[bool, typer.Option("--json", help="print the answer object as JSON (from stdin: one "
                                               "object per answered line; a skipped line prints nothing)")] = False,
        doc: Annotated[Optional[list[str]], typer.Option("--doc", help="answer from this document only "
                                                         "(its id, i.e. its path in the corpus, or its path as "
                                                         "`source` shows it; repeat for several)")] = None,
        corpus: CorpusOpt = None, index: IndexOpt = None, top_k: TopKOpt = None) -> None:
    """Answer QUESTION from the corpus, with citations.

    Without QUESTION, answers each line of stdin in turn. A line that is not a valid question
    (empty, too long, not UTF-8) is skipped with "qa: stdin line N: ..." on stderr, the other lines
    are answered, and the exit code is 1 at the end if any line was skipped. With --json each
    answered line prints one JSON object on its own line (its "question" is the line, cleaned)
    and a skipped line prints nothing, so the output stays one answer object per line."""
    from qa import render
    from qa.engine import Engine, clean_question
    from qa.errors import QuestionError

    def answer(q: str, batch: bool = False) -> None:
        r = engine.ask(q, documents=doc or None)
        if json_out:
            return echo_json(r.model_dump_json())
        if batch:  # which answer is which: the question first, a blank line after
            typer.echo(f"> {render.safe(r.question)}")
        typer.echo(render.text(r, color=use_color(), page=engine.page_of))
        if batch:
            typer.echo()

    skipped = 0
    try:
        if question is not None:
            clean_question(question)  # a bad question fails before anything loads
        elif sys.stdin is None:
            raise QAError("No question given, and standard input is closed: pass the question as an argument.")
        engine = Engine(settings(corpus, index, top_k), log=log)
        if doc:
            engine.index.scope(engine.document_ids(doc))  # an unknown document fails once, not on every line
        if question is not None:
            return answer(question)
        for n, line in stdin_lines():
            try:
                answer(line, batch=True)
            except QuestionError as e:
                warn(f"stdin line {n}: {e}")
                skipped += 1
    except QAError as e:
        fail(e)
    if skipped:
        raise typer.Exit(1)


CHAT_HELP = "Ask a question. Follow-ups are read in the conversation's context; /new starts over, /quit or Ctrl-D leaves."
CHAT_COMMANDS = ("/new", "/quit", "/exit", "/q", "/help", "/?")


@app.command()
def chat(corpus: CorpusOpt = None, index: IndexOpt = None, top_k: TopKOpt = None) -> None:
    """An interactive session: follow-up questions ("and the Series D?") are read in context.

    Line editing and history with the arrow keys (readline); /new starts a new conversation,
    /quit or Ctrl-D leaves. Answers print as with `qa ask`."""
    from qa import render
    from qa.engine import Engine
    from qa.schemas import MAX_HISTORY_TURNS, Turn

    if sys.stdin is None:
        fail(QAError("Standard input is closed: qa chat reads its questions from it."))
    if hasattr(sys.stdin, "reconfigure"):  # bytes that are not UTF-8 become a question clean_question refuses
        sys.stdin.reconfigure(errors="surrogateescape")
    interactive = sys.stdin.isatty()
    if interactive:
        try:
            import readline  # noqa: F401  (input() gets line editing and an in-session history)
        except ImportError:  # pragma: no cover - not on every platform
            pass
    try:
        engine = Engine(settings(corpus, index, top_k), log=log)
    except QAError as e:
        fail(e)
    color = use_color()
    # typed at a terminal with the answers going to a file: the prompt and help go to the terminal
    prompt_err = interactive and not sys.stdout.isatty()
    history: list[Turn] = []
    if interactive:
        typer.echo(CHAT_HELP, err=prompt_err)
    while True:
        try:
            if prompt_err:
                sys.stderr.write("> ")
                sys.stderr.flush()
            line = input("> " if interactive and not prompt_err else "")
        except EOFError:
            if interactive:
                typer.echo()
            return
        except KeyboardInterrupt:  # Ctrl-C drops the line being typed, like a shell
            typer.echo()
            continue
        except UnicodeDecodeError:  # a stdin that could not be reconfigured above
            warn("The line is not valid UTF-8 text; check the terminal's or the file's encoding.")
            continue
        question = line.strip()
        if not question:
            continue
        words = question.split()
        command = words[0].lower()
        # A command is a line of one /word, or a known command with words after it (a mistake, not a
        # question); other lines starting with "/" and holding a space ("/etc/hosts is what?") are asked.
        if command.startswith("/") and (len(words) == 1 or command in CHAT_COMMANDS):
            if len(words) > 1 or command not in CHAT_COMMANDS:
                why = f" ({command} takes nothing after it)" if len(words) > 1 else ""
                warn(f"unknown command {question}{why}; /new starts over, /quit leaves.")
            elif command in ("/quit", "/exit", "/q"):
                return
            elif command == "/new":
                history.clear()
                typer.echo("New conversation.")
            else:
                typer.echo(CHAT_HELP)
            continue
        try:
            r = engine.ask(question, history=history)
        except QAError as e:
            warn(e)
            continue
        except KeyboardInterrupt:  # Ctrl-C while answering: back to the prompt, the conversation kept
            typer.echo("\n(interrupted)", err=True)
            continue
        if not interactive or prompt_err:  # in a transcript, which answer is which: the question first
            typer.echo(f"> {render.safe(question)}")
        typer.echo(render.text(r, color=color, page=engine.page_of))
        typer.echo()
        history = (history + [Turn(question=r.question[:500], answer=r.answer)])[-MAX_HISTORY_TURNS:]


@app.command("index")
def index_cmd(corpus: CorpusOpt = None, index: IndexOpt = None,
              full: Annotated[bool, typer.Option("--full", help="re-embed every document and build the search graph again")] = False,
              watch: Annotated[bool, typer.Option("--watch", help="then keep watching the corpus folder and update the index "
                                                                  "whenever its documents change (Ctrl-C stops); a running "
                                                                  "qa serve switches to each update by itself")] = False) -> None:
    """Bring the index up to date: embed added and changed documents, drop deleted ones."""
    from functools import cache

    from qa import build
    from qa.render import safe

    echo = lambda line: typer.echo(safe(line))  # noqa: E731
    try:
        s = settings(corpus, index)
        if not watch or full:
            build.bring_up_to_date(s, cache(lambda: build.build_model(s)), echo, log, full=full)
        if watch:
            from qa.corpus import corpus_files
            from qa.watch import keep_current

            if not s.corpus.is_dir():
                corpus_files(s.corpus)  # the usual error for a folder that does not exist, or a file
            echo(f"Watching {s.corpus} for changes (Ctrl-C stops).")
            keep_current(s, echo, warn, notes=log)
            typer.echo("Stopped watching.")
    except QAError as e:
        fail(e)
    except KeyboardInterrupt:  # during a build: the index in use is the last one published whole
        if not watch:
            warn("interrupted; the index in use is the last one built whole.")
            raise typer.Exit(130) from None
        typer.echo("Stopped watching.")


@app.command("eval")
def eval_cmd(file: Annotated[Path, typer.Argument(help="JSON Lines of {question, expected}, or of {turns, expected} "
                                                       "(dialogues: the turns are asked in order, as a conversation)")],
             json_out: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
             summary: Annotated[bool, typer.Option("--summary", help="the figures only, not the misses (a blind "
                                                                     "set's questions stay unread)")] = False,
             corpus: CorpusOpt = None, index: IndexOpt = None) -> None:
    """Score the bot on an evaluation file: hit@1, answer precision, MRR@5, abstentions, latency.

    Every row needs "expected": the text the cited passage must contain, or null for a question
    the documents cannot answer; a row that is not right is an error naming FILE:LINE.

    A file of dialogues ({"turns": [...], "expected": ...}) is recognised by its rows: each dialogue
    is asked turn by turn with the answers given as history, and the last turn is scored, beside
    the same question asked alone."""
    import dataclasses
    import json

    from qa import evaluate, render
    from qa.engine import Engine

    try:
        if evaluate.file_kind(file) == "dialogues":
            dialogues = evaluate.load_dialogues(file)
            report = evaluate.run_dialogues(Engine(settings(corpus, index), log=log), dialogues)
        else:
            cases = evaluate.load_cases(file)
            report = evaluate.run(Engine(settings(corpus, index), log=log), cases)
    except QAError as e:
        fail(e)
    if summary:
        report = dataclasses.replace(report, misses=[])
    text = render.dialogue_report(report) if isinstance(report, evaluate.DialogueReport) else render.report(report)
    if json_out:
        return echo_json(json.dumps(report.to_dict(), ensure_ascii=False))
    typer.echo(text)


@app.command()
def report(data: Annotated[Path, typer.Option("--data", envvar="QA_DATA", show_envvar=False, show_default=False,
                                              help="data folder holding the query log [env QA_DATA; default ./.qa-data]")]
           = Path(".qa-data"),
           limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="questions per list")] = 20,
           json_out: Annotated[bool, typer.Option("--json", help="print the report as JSON (as GET /api/report)")] = False,
           corpus: CorpusOpt = None, index: IndexOpt = None) -> None:
    """The most asked unanswered questions and the most down-voted answers, each with its nearest
    FAQ entry and an alternates.yaml entry ready to paste."""
    from qa import render
    from qa import report as curation
    from qa.engine import Engine
    from qa.store import FILENAME, Store

    if data.exists() and not data.is_dir():
        fail(QAError(f"The data folder '{data}' is a file, not a folder. Pass --data DIR or set QA_DATA to the "
                     "server's data folder."))
    if not (data / FILENAME).is_file():
        fail(QAError(f"No query log in '{data}' yet ({data / FILENAME} does not exist); the server writes it "
                     "as questions are asked. Pass --data DIR or set QA_DATA to the server's data folder."))
    try:
        with Store(data) as store:
            r = curation.build(store, Engine(settings(corpus, index), log=log), limit=limit)
    except QAError as e:
        fail(e)
    if json_out:
        return echo_json(r.model_dump_json(indent=2))
    typer.echo(render.curation(r, str(data), color=use_color()))


@app.command()
def serve(host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
          port: Annotated[int, typer.Option(min=1, max=65535, help="port")] = 8000,
          data: Annotated[Optional[Path], typer.Option("--data", help="query log and feedback folder "
                                                       "[env QA_DATA; default ./.qa-data]")] = None,
          workers: Annotated[Optional[int], typer.Option("--workers", min=1, max=64, help=(
              "server processes, each with its own engine; 2 on 2 cores nearly doubles answers/s "
              "under load, at twice the memory [env QA_WORKERS; default 1]"))] = None,
          watch: Annotated[bool, typer.Option("--watch", help="also keep the index in step with the corpus "
                                                              "folder, as qa index --watch does")] = False,
          corpus: CorpusOpt = None, index: IndexOpt = None) -> None:
    """Serve the JSON API and the web chat."""
    from qa.api import serve as run_server

    try:
        s = settings(corpus, index, server=True)
        update = {k: v for k, v in (("data", data), ("workers", workers)) if v is not None}
        run_server(s.model_copy(update=update), host, port, watch=watch)
    except QAError as e:
        fail(e)


def main() -> None:
    if sys.stderr is None:  # started with stderr closed: its lines go nowhere, the exit code still says
        sys.stderr = open(os.devnull, "w")
    if sys.stdout is None:
        if sys.argv[1:2] != ["serve"]:  # a server logs on stderr; every other command prints its result
            warn("standard output is closed: nothing can be printed.")
            sys.exit(1)
        sys.stdout = open(os.devnull, "w")
    for stream in (sys.stdout, sys.stderr):  # an encoding without "’" (PYTHONIOENCODING=latin-1): escaped
        if not utf8(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        app(prog_name="qa")
    except OSError as e:  # the output could not be written (a full disk, /dev/full), or a file elsewhere
        try:
            where = f"'{e.filename}'" if e.filename else "the output"
            warn(f"cannot write {where}: {e.strerror or e}.")
        except OSError:
            pass
        sys.exit(1)
