"""FastAPI app: JSON API under /api, the web chat from web/ at /. Routes stay thin.

Input checks, the body cap, security headers, the catch-all 500 and the index watcher live in
qa.middleware. Every route declares its 4xx responses ({"detail": "what to fix"}) in the OpenAPI schema.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys
import threading
import time
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from starlette.convertors import Convertor, register_url_convertor
from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from qa import schemas
from qa.config import MAX_QUESTION_CHARS, PROJECT_DIR, Settings
from qa.engine import Engine
from qa.errors import QAError, QuestionError, UnknownDocument
from qa.middleware import (SECURITY_HEADERS, Guard, IndexWatcher, JSONCORSMiddleware, JSONRoute, readable,
                           shown, tidy_openapi)
from qa.feedback_api import get_engine, log_ask, router as feedback_router
from qa.schemas import VISIBLE_TEXT, AskResponse, Problem

__all__ = ["SECURITY_HEADERS", "create_app", "serve"]
WEB_DIR = PROJECT_DIR / "web"
log = logging.getLogger("qa")


class AskRequest(schemas.AskRequest):
    """The body of POST /api/ask, exactly as its JSON schema says: "3" and true are no top_k, 3.0 is."""

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=VISIBLE_TEXT, strict=True,
                          description="what to ask; control characters are dropped and white space folded")

    @field_validator("top_k", mode="before")
    @classmethod
    def number_only(cls, value):
        if isinstance(value, (bool, str)):
            raise PydanticCustomError("int_type", "Input should be a valid integer")
        return value


class Health(BaseModel):
    status: str
    model: str
    documents: int
    passages: int
    built_at: str
    index_type: str
    build: str = Field(description="the index build in use (its folder name)")


class AnyPath(Convertor):
    """Starlette's "path" without its one gap: a document id may hold a line break (a file named so)."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anypath", AnyPath())


class FaqEntry(BaseModel):
    question: str
    id: str = Field(description="passage id of the FAQ answer")
    document: str = Field(description="document id, for GET /api/documents/{id}")


class DocumentEntry(BaseModel):
    id: str = Field(description="document id: for GET /api/documents/{id} and `documents` in POST /api/ask")
    title: str
    source: str = Field(description="document path, relative to the working directory when below it")


class DocumentOut(BaseModel):
    id: str
    title: str
    source: str
    text: str = Field(description="the text that citation offsets refer to")
    pages: list[int] = Field(default=[], description="a PDF's pages: where each begins in `text` (page n at "
                                                     "pages[n-1], counted as citation offsets are); empty otherwise")


class Reloaded(BaseModel):
    reloaded: bool = Field(description="whether the server switched to another build")
    build: str
    passages: int


PROBLEMS = {
    400: "The body is not UTF-8, or nested too deeply.",
    401: "No bearer token (Authorization: Bearer <QA_RELOAD_TOKEN>).",
    403: "Wrong token.",
    404: "No such document or passage.",
    413: "The request body is larger than the limit (QA_MAX_BODY_BYTES).",
    415: "The body is not sent as application/json.",
    422: "The body is not valid JSON, or does not match the schema, or the question is empty or too long.",
}


def problems(*codes: int) -> dict:
    return {code: {"model": Problem, "description": PROBLEMS[code]} for code in (*codes, 413)}


EngineDep = Annotated[Engine, Depends(get_engine)]
bearer = HTTPBearer(auto_error=False, description="QA_RELOAD_TOKEN")


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or (engine.settings if engine else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if engine is None:
            t0 = time.perf_counter()
            app.state.engine = Engine(settings, log=log.warning).warm()
            log.warning("qa: ready in %.2f s (process %d)", time.perf_counter() - t0, os.getpid())
        else:
            app.state.engine = engine
        app.state.store, app.state.report_token = open_store(settings), settings.report_token
        watcher = IndexWatcher(app.state.engine, settings.watch_interval).start()
        try:
            yield
        finally:
            watcher.stop()
            if app.state.store is not None:
                app.state.store.close()

    app = FastAPI(title="qa", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Extractive answers from your documents, cited to the character.")
    app.router.route_class = JSONRoute
    if settings.cors_origin_list():  # closed unless configured: browsers then allow same-origin calls only
        app.add_middleware(JSONCORSMiddleware, allow_origins=settings.cors_origin_list(), allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "Authorization"], expose_headers=["X-QA-Build"], max_age=600)
    app.add_middleware(Guard, max_body_bytes=settings.max_body_bytes)  # outermost
    mount_docs(app)

    @app.exception_handler(QAError)
    async def qa_error(request: Request, exc: QAError) -> JSONResponse:
        status = 422 if isinstance(exc, QuestionError) else 404 if isinstance(exc, UnknownDocument) else 400
        return JSONResponse({"detail": shown(str(exc), 1000)}, status_code=status)  # encodable, not huge

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": readable(list(exc.errors()), request.url.path)}, status_code=422)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        """Only for failures in the middleware itself: qa.middleware.Guard catches the routes' own."""
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error"}, status_code=500, headers=SECURITY_HEADERS)

    @app.post("/api/ask", response_model=AskResponse, responses=problems(400, 404, 415, 422))
    def ask(body: AskRequest, engine: EngineDep, request: Request, tasks: BackgroundTasks) -> AskResponse:
        t0 = time.perf_counter()
        state = engine.state  # named in the X-QA-Build header: the web chat drops documents cached from another
        try:
            response = engine.ask(body.question, top_k=body.top_k, documents=body.documents or None,
                                  history=body.history or None, state=state)
        except UnknownDocument as e:  # names the id (cut to 100 characters) and some that exist
            raise HTTPException(404, str(e)) from None
        if settings.log_queries:  # written after the response is sent: the fsync is not the asker's wait
            tasks.add_task(log_ask, request.app.state.store, body, response, (time.perf_counter() - t0) * 1000)
        # serialised here, once: FastAPI would validate the model again and encode it through
        # jsonable_encoder first (measured: ~100 us of a request's ~340 us in the app)
        return Response(response.model_dump_json(), media_type="application/json", background=tasks,
                        headers={"X-QA-Build": state.build})

    # The router's routes join the app's own list (not include_router, which this FastAPI keeps as
    # one lazy entry), so that the catch-all below sees them and answers 405 for their other methods.
    app.router.routes.extend(feedback_router.routes)

    @app.get("/api/health", response_model=Health, responses=problems())
    def health(engine: EngineDep) -> Health:
        state = engine.state  # one build for the whole answer
        m = state.index.manifest
        return Health(status="ok", model=m.get("model", ""), documents=m["documents"], passages=m["passages"],
                      built_at=m["built_at"], index_type=m.get("index_type", "flat"), build=state.build)

    @app.get("/api/faq", response_model=list[FaqEntry], responses=problems())
    def faq(engine: EngineDep) -> list[FaqEntry]:
        return [FaqEntry(question=p.question, id=p.id, document=p.doc_id) for p in engine.index.passages if p.question]

    @app.get("/api/documents", response_model=list[DocumentEntry], responses=problems())
    def documents(engine: EngineDep) -> list[DocumentEntry]:
        """The indexed documents: their ids (for `documents` in POST /api/ask), titles and sources."""
        from qa.answer import source_path

        corpus = engine.settings.corpus
        return [DocumentEntry(id=d.id, title=d.title, source=source_path(corpus, d.id)) for d in engine.index.docs]

    @app.get("/api/documents/{doc_id:anypath}", response_model=DocumentOut, responses=problems(404))
    def document(doc_id: str, engine: EngineDep) -> DocumentOut:
        """A document by its id, or the document holding the passage with that (citation) id.
        Ids are looked up in the index, never used as file paths."""
        from qa.answer import source_path

        doc = engine.index.document_of(doc_id)
        if doc is None:
            raise HTTPException(404, f"No document or passage with id '{shown(doc_id)}'. GET /api/documents lists "
                                     "the documents; a citation's id names one too.")
        return DocumentOut(id=doc.id, title=doc.title, source=source_path(engine.settings.corpus, doc.id), text=doc.text,
                           pages=list(doc.pages))

    token = settings.reload_token.get_secret_value()
    if token:  # without a token the route does not exist
        @app.post("/api/reload", response_model=Reloaded, responses=problems(401, 403))
        def reload(engine: EngineDep,
                   credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Reloaded:
            """Switch to the index build named in the index folder now (the server also notices by itself)."""
            if credentials is None:
                raise HTTPException(401, "Send the reload token: Authorization: Bearer <QA_RELOAD_TOKEN>.",
                                    headers={"WWW-Authenticate": "Bearer"})
            if not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
                raise HTTPException(403, "Wrong reload token.")
            switched = engine.reload()
            state = engine.state
            return Reloaded(reloaded=switched, build=state.build, passages=state.index.manifest["passages"])

    @app.api_route("/api/{rest:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                   include_in_schema=False)
    def no_such_route(request: Request, rest: str) -> JSONResponse:
        """405 with Allow for a known path and another method, JSON 404 for an unknown one (not web/'s)."""
        allowed = sorted({m for r in app.routes if isinstance(r, APIRoute) and r.endpoint is not no_such_route
                          and r.path_regex.match(request.url.path) for m in r.methods})
        if allowed:
            return JSONResponse({"detail": f"{request.method} is not allowed here; use {', '.join(allowed)}."},
                                405, headers={"Allow": ", ".join(allowed)})
        return JSONResponse({"detail": f"No API route {request.url.path}; see /docs."}, 404)

    tidy_openapi(app)
    if WEB_DIR.is_dir():
        app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>qa API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script><script src="/docs.js"></script></body></html>
"""


def open_store(settings: Settings):
    """The query log and feedback store in settings.data; without one the server still answers."""
    from qa.store import Store

    try:
        return Store(settings.data)
    except QAError as e:
        log.warning("qa: feedback and the query log are off: %s", e)
        return None


def mount_docs(app: FastAPI) -> None:
    """OpenAPI docs at /docs from the swagger-ui-bundle wheel: no CDN, no inline script (CSP)."""
    from fastapi.responses import HTMLResponse
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)


SETTINGS_ENV = "QA_SERVE_SETTINGS"  # how `qa serve --workers N` hands its settings to the worker processes


def serve(settings: Settings, host: str, port: int, watch: bool = False) -> None:
    """Load everything first, so a bad corpus or model fails as one line before the port opens.

    With `watch`, a thread of this process keeps the index in step with the corpus folder
    (qa.watch.keep_current, as `qa index --watch`); the servers switch to each build it publishes
    by their index watchers, as they do to a `qa index` run by hand.

    With settings.workers > 1, everything a worker loads is loaded here once first (the index is
    built if needed), so that a problem is one line before the port opens; then uvicorn starts
    that many worker processes on the one port, each loading its own engine (worker_app).
    Serving is stateless over the immutable index build, so workers share nothing but its files.
    Each worker switches to a new build by its own index watcher, so the watcher must be on.
    """
    import uvicorn

    check_port(host, port)
    check_store(settings)
    url = f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"
    t0 = time.perf_counter()
    options = dict(host=host, port=port, log_level="warning", server_header=False)
    if (settings.workers > 1 or watch) and settings.watch_interval == 0:
        who = "Several workers need" if settings.workers > 1 else "--watch needs"
        raise QAError(f"{who} the index watcher (QA_WATCH_INTERVAL > 0): a server switches to a new index "
                      "build by watching the index folder.")
    if settings.workers == 1:
        engine = Engine(settings).warm()
        print(f"qa: ready in {time.perf_counter() - t0:.2f} s; serving {url}", flush=True)
        with watching_corpus(settings, watch):
            uvicorn.run(create_app(settings, engine), **options)
        return
    check_loads(settings)
    os.environ[SETTINGS_ENV] = settings.to_env()
    print(f"qa: index ready in {time.perf_counter() - t0:.2f} s; starting {settings.workers} workers on "
          f"{url} (each logs when it is ready)", flush=True)
    with watching_corpus(settings, watch):
        uvicorn.run("qa.api:worker_app", factory=True, workers=settings.workers, **options)


WATCH_JOIN_S = 2.0  # at shutdown, how long to wait for the corpus watch to stop


@contextmanager
def watching_corpus(settings: Settings, on: bool):
    """While the server runs: a thread that keeps the index in step with the corpus (when `on`)."""
    if not on:
        yield
        return
    from qa.build import stderr_log
    from qa.watch import keep_current

    stop = threading.Event()

    def run() -> None:
        try:
            keep_current(settings, stderr_log, lambda line: stderr_log(f"qa: {line}"), stop, notes=stderr_log)
        except Exception as e:  # noqa: BLE001 - said in one line; the server goes on with the index it has
            stderr_log(f"qa: stopped watching the corpus ({e}); serving the index as it is.")

    thread = threading.Thread(target=run, name="qa-corpus-watch", daemon=True)
    thread.start()
    print(f"qa: watching {settings.corpus} for changes", flush=True)
    try:
        yield
    finally:
        stop.set()
        thread.join(WATCH_JOIN_S)
        if thread.is_alive():  # an update under way: Python would stop the thread inside onnxruntime and abort
            stderr_log("qa: finishing the index update under way (Ctrl-C again stops at once).")
            try:
                thread.join()
            except KeyboardInterrupt:
                # a build is published whole or not at all, and a later one removes what this one
                # left (qa.index.prune)
                stderr_log("qa: stopped during an index update; the index in use is the last one built whole.")
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(130)


def check_port(host: str, port: int) -> None:
    """Fail as one line, before anything loads, when the address cannot be listened on (in use, not
    ours, empty: uvicorn would take "" for every interface)."""
    import socket

    if not host.strip():
        raise QAError("--host is empty. Give the address to listen on: 127.0.0.1 (this machine only, the "
                      "default) or 0.0.0.0 (every interface).")
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.create_server((host, port), family=family):
            pass
    except OSError as e:
        raise QAError(f"Cannot listen on {host}:{port}: {e.strerror or e}. Choose another --port or --host.") from None


def check_store(settings: Settings) -> None:
    """Fail as one line, before the port opens, when the data folder (--data, QA_DATA) cannot hold the
    query log and feedback: a server started anyway would answer 404 on /api/feedback and /api/report."""
    from qa.store import Store

    Store(settings.data).close()  # raises StoreError (a QAError) naming the folder and the fix


def check_loads(settings: Settings) -> None:
    """Load what a worker loads (building the index if needed) in a forked child, so that a bad
    corpus, index or model fails here as one line, and the parent, which only supervises the
    workers, does not keep an engine's memory. Raises QAError with the child's reason."""
    if not hasattr(os, "fork"):  # not POSIX: check in this process
        Engine(settings)
        return
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report one line through the pipe, never return into the parent's code
        os.close(read)
        code, message = 0, b""
        try:
            Engine(settings).warm()
        except QAError as e:
            code, message = 1, str(e).encode()
        except BaseException as e:  # anything else is still one line, not a traceback
            code, message = 1, f"{type(e).__name__}: {e}".encode()
        finally:
            try:
                os.write(write, message[:4000])
            finally:
                os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise QAError(message or "A server worker could not load the index and model.")


def worker_app() -> FastAPI:
    """The app of one `qa serve --workers N` process, from the settings its parent handed over."""
    return create_app(Settings.model_validate_json(os.environ[SETTINGS_ENV]))
