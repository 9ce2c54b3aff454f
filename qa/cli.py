"""The `qa` command: a thin layer over qa.engine. Errors become one line on stderr and exit 1."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from qa.config import Settings
from qa.errors import QAError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None, help="Answer questions from your documents, with citations.")

CorpusOpt = Annotated[Optional[Path], typer.Option("--corpus", help="documents folder [env QA_CORPUS; default ./corpus]")]
IndexOpt = Annotated[Optional[Path], typer.Option("--index", help="index folder [env QA_INDEX; default ./.qa-index]")]
TopKOpt = Annotated[Optional[int], typer.Option("--top-k", min=1, max=10, help="citations per answer [default 3]")]


def settings(corpus: Path | None, index: Path | None, top_k: int | None = None) -> Settings:
    overrides = {k: v for k, v in {"corpus": corpus, "index": index, "top_k": top_k}.items() if v is not None}
    return Settings(**overrides)


def fail(error: Exception) -> None:
    typer.echo(f"qa: {error}", err=True)
    raise typer.Exit(1)


@app.command()
def ask(question: Annotated[Optional[str], typer.Argument(help="the question; omit to read one per line from stdin")] = None,
        json_out: Annotated[bool, typer.Option("--json", help="print the answer object as JSON")] = False,
        corpus: CorpusOpt = None, index: IndexOpt = None, top_k: TopKOpt = None) -> None:
    """Answer QUESTION from the corpus, with citations."""
    from qa import render
    from qa.engine import Engine, clean_question

    try:
        if question is not None:
            clean_question(question)  # a bad question fails before anything loads
        engine = Engine(settings(corpus, index, top_k))
        questions = [question] if question is not None else (line for line in sys.stdin if line.strip())
        for q in questions:
            r = engine.ask(q)
            typer.echo(r.model_dump_json() if json_out else render.text(r, color=sys.stdout.isatty()))
    except QAError as e:
        fail(e)


@app.command("index")
def index_cmd(corpus: CorpusOpt = None, index: IndexOpt = None,
              full: Annotated[bool, typer.Option("--full", help="re-embed every document")] = False) -> None:
    """Bring the index up to date: embed added and changed documents, drop deleted ones."""
    from qa import build

    try:
        s = settings(corpus, index)
        ready, previous, _ = build.current(s)
        if ready is not None and not full:
            typer.echo(f"The index in {s.index} is up to date: {ready.manifest['documents']} documents, "
                       f"{ready.manifest['passages']} passages. Nothing to do.")
            return
        build.update(s, None if full else previous, lambda: build.build_model(s), log=typer.echo)
    except QAError as e:
        fail(e)


@app.command("eval")
def eval_cmd(file: Annotated[Path, typer.Argument(help="JSON Lines of {question, expected}")],
             json_out: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
             corpus: CorpusOpt = None, index: IndexOpt = None) -> None:
    """Score the bot on an evaluation file: hit@1, answer precision, MRR@5, abstentions, latency."""
    import json

    from qa import evaluate, render
    from qa.engine import Engine

    try:
        cases = evaluate.load_cases(file)
        report = evaluate.run(Engine(settings(corpus, index)), cases)
    except QAError as e:
        fail(e)
    typer.echo(json.dumps(report.to_dict(), ensure_ascii=False) if json_out else render.report(report))


@app.command()
def serve(host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
          port: Annotated[int, typer.Option(min=1, max=65535, help="port")] = 8000,
          corpus: CorpusOpt = None, index: IndexOpt = None) -> None:
    """Serve the JSON API and the web chat."""
    from qa.api import serve as run_server

    try:
        run_server(settings(corpus, index), host, port)
    except QAError as e:
        fail(e)


def main() -> None:
    app(prog_name="qa")
