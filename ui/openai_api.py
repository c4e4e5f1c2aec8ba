"""`tanya serve`: the assistant as an OpenAI-compatible chat API, for Open WebUI, AnythingLLM or any OpenAI client.

``GET /v1/models`` lists one model, :data:`MODEL_ID`. ``POST /v1/chat/completions`` answers the last user message
with :meth:`rag.Assistant.events`; the messages before it are the conversation (a follow-up is read in its light),
and system messages are ignored (the assistant has its own prompt). The message's ``content`` is the checked
answer with its ``[n]`` markers; ``citations`` beside it (on the message; when streaming, on the last chunk's
delta) say what each ``[n]`` points to: article title, publisher, date, the cited sentences, its file or URL.
``tanya`` on the response says whether the answer is an abstention, why, and what it took.

With ``"stream": true`` the reply is server-sent events in OpenAI's chunk format. The answer comes a checked
sentence at a time (the :class:`~rag.answering.Token` events: each has passed verification, with its final
``[n]``, and is never taken back); comment lines (which clients skip) keep the connection open meanwhile and say
when other questions are ahead.

Errors have OpenAI's body, ``{"error": {"message", "type", "param", "code"}}``; the project's errors map to HTTP
statuses (:data:`STATUSES`), and ``code`` is the error's class name. An error after a stream has begun comes as
an event holding that body (the OpenAI client raises it). With ``TANYA_API_KEY`` set, every request needs
``Authorization: Bearer <key>``; without one the API serves this machine only (:func:`check_bind`).
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from rag import (
    Answer,
    ArticleError,
    Assistant,
    Citation,
    FilterError,
    Final,
    IndexDirectoryError,
    LLMError,
    ModelError,
    QuestionError,
    SettingsError,
    StoreUnavailableError,
    TanyaError,
    Token,
    Waiting,
)
from rag.background import BackgroundStream
from ui.hosts import allowed_hosts, is_loopback

log = logging.getLogger("tanya.api")

#: The one model the API serves (what clients put in ``model``).
MODEL_ID = "tanya-berita"
#: The port `tanya serve` listens on unless told otherwise (the page is on 7860).
DEFAULT_PORT = 7861
#: How often (seconds) a request waiting for its answer checks that its client is still there.
TICK_S = 0.5
#: Longest silence (seconds) on a stream before a comment line keeps it open.
KEEPALIVE_S = 5.0

_END = object()

#: The project's errors as HTTP statuses and OpenAI error types, the most specific first.
STATUSES: tuple[tuple[type[TanyaError], int, str], ...] = (
    (QuestionError, 400, "invalid_request_error"),  # empty or too long; an unknown answer language
    (FilterError, 400, "invalid_request_error"),  # a filter on an unknown field or with an unusable value
    (ArticleError, 400, "invalid_request_error"),
    (StoreUnavailableError, 503, "service_unavailable"),  # the Chroma server does not answer
    (ModelError, 503, "service_unavailable"),  # a model missing or corrupt
    (LLMError, 502, "server_error"),  # the language model, or its server, failed while answering
    (SettingsError, 500, "server_error"),
    (IndexDirectoryError, 500, "server_error"),
    (TanyaError, 500, "server_error"),
)


class Refused(Exception):
    """A request the API itself refuses (a wrong key, an unknown model, a malformed body), with its HTTP status."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.code, self.param = status, kind, code, param


def error_body(message: str, kind: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    """OpenAI's error body."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def status_of(exc: TanyaError) -> tuple[int, str]:
    """The HTTP status and OpenAI error type of one of the project's errors."""
    return next((status, kind) for cls, status, kind in STATUSES if isinstance(exc, cls))


def tanya_error_body(exc: TanyaError) -> dict[str, Any]:
    return error_body(str(exc), status_of(exc)[1], code=type(exc).__name__)


def check_bind(host: str, api_key: str | None) -> None:
    """Refuse to serve beyond this machine without an API key: anyone who could reach the port could use it."""
    if not is_loopback(host) and not api_key:
        raise SettingsError(f"tanya serve will not listen on {host} without an API key: anyone who can reach it "
                            "could use it. Set TANYA_API_KEY (clients then send 'Authorization: Bearer <key>'), "
                            "or serve on 127.0.0.1.")


# Requests ------------------------------------------------------------------------------------------------------
class Message(BaseModel):
    """A chat message; ``content`` is text, or OpenAI's list of parts (only the text parts are read)."""

    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(part.get("text") or "") for part in self.content if part.get("type") == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatRequest(BaseModel):
    """OpenAI's chat completion request (sampling parameters are accepted and ignored: the settings decide),
    and two fields of Tanya's own (``extra_body`` with the OpenAI client)."""

    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    #: The answer's language (default: the question's).
    language: Literal["id", "en"] | None = None
    #: Retrieval filters, as :meth:`rag.Assistant.retrieve` takes them (e.g. ``{"publisher": "Bisnis.com"}``).
    filters: dict[str, str] | None = None

    def question(self) -> tuple[str, list[dict[str, str]]]:
        """The last user message, and the conversation before it."""
        if self.messages[-1].role != "user":
            raise Refused(400, "The last message must be the user's question (role 'user').", param="messages")
        history = [{"role": m.role, "content": m.text} for m in self.messages[:-1] if m.role in ("user", "assistant")]
        return self.messages[-1].text, history


# Responses -----------------------------------------------------------------------------------------------------
def citation_json(citation: Citation, answer: Answer) -> dict[str, Any]:
    """What ``[n]`` points to, with the article's file or URL (from its passage's metadata)."""
    meta = next((p.metadata for p in answer.passages if p.id == citation.passage_id), {})
    return {"number": citation.number, "title": citation.title, "publisher": citation.publisher,
            "date": citation.date, "quotes": list(citation.quotes), "text": citation.text, "doc_id": citation.doc_id,
            "url": meta.get("url") or None, "path": meta.get("source_path") or None,
            "location": meta.get("source_location") or None}


def sources_text(citations: list[dict[str, Any]]) -> str:
    """The sources as Markdown lines under the answer (``--sources-in-text``: for clients that show only text)."""
    lines = []
    for c in citations:
        origin = ", ".join(x for x in (c["publisher"], c["date"]) if x)
        where = c["url"] or c["path"] or c["doc_id"]
        lines.append(f"[{c['number']}] {c['title']}" + (f" ({origin})" if origin else "") + f" — {where}")
    return "\n\nSources:\n" + "\n".join(lines) if lines else ""


@dataclass(frozen=True)
class Reply:
    """One answer as the API returns it."""

    content: str
    citations: list[dict[str, Any]]
    tanya: dict[str, Any]
    usage: dict[str, int]

    @classmethod
    def of(cls, answer: Answer, sources_in_text: bool) -> Reply:
        citations = [citation_json(c, answer) for c in answer.citations]
        content = answer.text + (sources_text(citations) if sources_in_text else "")
        stats = answer.stats
        tanya = {"abstained": answer.abstained, "reason": answer.abstention.value if answer.abstention else None,
                 "language": answer.language, "retrieval_s": round(answer.retrieval_s, 3),
                 "first_token_s": round(stats.ttft_s, 3), "model_s": round(stats.total_s, 3)}
        usage = {"prompt_tokens": stats.prompt_tokens, "completion_tokens": stats.completion_tokens,
                 "total_tokens": stats.prompt_tokens + stats.completion_tokens}
        return cls(content, citations, tanya, usage)


def _sse(data: dict[str, Any] | str) -> str:
    return f"data: {data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)}\n\n"


# The app -------------------------------------------------------------------------------------------------------
def build_api(bot: Assistant, *, host: str = "127.0.0.1", sources_in_text: bool = False) -> FastAPI:
    """The API over ``bot`` (served on ``host``: requests naming another Host are refused, as by the page)."""
    api_key = bot.settings.api_key or None
    created = int(time.time())
    app = FastAPI(title="Tanya Berita", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(host, bot.settings.allowed_hosts))

    def authorized(request: Request) -> None:
        if api_key is None:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), api_key.encode()):
            raise Refused(401, "Missing or wrong API key: send 'Authorization: Bearer <key>' with the key in "
                               "TANYA_API_KEY of the server.", code="invalid_api_key")

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> JSONResponse:
        return JSONResponse(error_body(str(exc), exc.kind, exc.code, exc.param), status_code=exc.status)

    @app.exception_handler(TanyaError)
    async def tanya_error(request: Request, exc: TanyaError) -> JSONResponse:
        log.warning("%s: %s", type(exc).__name__, exc)
        return JSONResponse(tanya_error_body(exc), status_code=status_of(exc)[0])

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in exc.errors())
        return JSONResponse(error_body(f"Invalid request: {problems}", "invalid_request_error"), status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        kind = "not_found_error" if exc.status_code == 404 else "invalid_request_error"
        return JSONResponse(error_body(str(exc.detail), kind), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return JSONResponse(error_body("Internal error: see the server's log.", "server_error"), status_code=500)

    @app.get("/v1/models", dependencies=[Depends(authorized)])
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": created,
                                            "owned_by": "tanya-berita"}]}

    @app.post("/v1/chat/completions", dependencies=[Depends(authorized)])
    async def chat_completions(body: ChatRequest, request: Request) -> Any:
        if body.model != MODEL_ID:
            raise Refused(404, f"The model {body.model!r} does not exist here: this server serves {MODEL_ID!r} "
                               "(GET /v1/models).", code="model_not_found", param="model")
        question, history = body.question()
        events = _events(bot, question, history, body, request)
        first = await _first(events)  # an error before the answer begins is an HTTP status, not a broken stream
        completion_id, stamp = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if body.stream:
            include_usage = bool(body.stream_options and body.stream_options.include_usage)
            return StreamingResponse(_chunks(first, events, completion_id, stamp, include_usage, sources_in_text),
                                     media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        answer = first.answer if isinstance(first, Final) else await _final(events)
        reply = Reply.of(answer, sources_in_text)
        return {"id": completion_id, "object": "chat.completion", "created": stamp, "model": MODEL_ID,
                "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                             "message": {"role": "assistant", "content": reply.content, "refusal": None,
                                         "citations": reply.citations}}],
                "usage": reply.usage, "tanya": reply.tanya}

    return app


async def _events(bot: Assistant, question: str, history: list[dict[str, str]], body: ChatRequest,
                  request: Request) -> AsyncIterator[Any]:
    """The answer's events (None every :data:`TICK_S` seconds without one), from a thread of their own; the
    answer stops, and frees the model, when the client goes away or the iteration ends early."""
    stop = threading.Event()
    stream = BackgroundStream(lambda: bot.events(question, history, language=body.language, filters=body.filters,
                                                 stop=stop), stop=stop)
    poller = stream.poll(TICK_S)
    try:
        while (item := await run_in_threadpool(next, poller, _END)) is not _END:
            if item is None and await request.is_disconnected():
                log.info("the client went away: answer stopped")
                return
            yield item
    finally:
        stream.stop()


async def _first(events: AsyncIterator[Any]) -> Any:
    """The first event (a :class:`Waiting`, a token, or the :class:`Final` of an answer decided without the model)."""
    async for event in events:
        if event is not None:
            return event
    raise Refused(499, "The client went away before its answer.")


async def _final(events: AsyncIterator[Any]) -> Answer:
    async for event in events:
        if isinstance(event, Final):
            return event.answer
    raise Refused(499, "The client went away before its answer.")


async def _chunks(first: Any, events: AsyncIterator[Any], completion_id: str, stamp: int, include_usage: bool,
                  sources_in_text: bool) -> AsyncIterator[str]:
    """Server-sent events in OpenAI's chunk format: the role at once, each checked sentence as it passes (comments
    while waiting), the rest of the answer, its citations with the finish reason, the usage (when asked), ``[DONE]``."""

    def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> str:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
        return _sse({"id": completion_id, "object": "chat.completion.chunk", "created": stamp, "model": MODEL_ID,
                     "choices": choices, **extra})

    yield chunk({"role": "assistant", "content": ""})
    last = time.monotonic()
    event = first
    streamed = ""  # the checked sentences sent so far (Token events: never taken back)
    try:
        while True:
            if isinstance(event, Token):
                streamed += event.text
                yield chunk({"content": event.text})
                last = time.monotonic()
            elif isinstance(event, Final):
                reply = Reply.of(event.answer, sources_in_text)
                rest = reply.content[len(streamed):] if reply.content.startswith(streamed) else reply.content
                if rest:
                    yield chunk({"content": rest})
                yield chunk({"citations": reply.citations}, "stop", tanya=reply.tanya)
                if include_usage:
                    yield chunk(None, usage=reply.usage)
                break
            elif isinstance(event, Waiting) and event.ahead:
                yield f": waiting for the model, {event.ahead} question(s) first\n\n"
                last = time.monotonic()
            elif time.monotonic() - last >= KEEPALIVE_S:
                yield ": answering\n\n"
                last = time.monotonic()
            event = await anext(events, _END)
            if event is _END:  # stopped before its Final: the client went away
                break
    except TanyaError as exc:
        log.warning("%s: %s", type(exc).__name__, exc)
        yield _sse(tanya_error_body(exc))
    except Exception as exc:
        log.error("unexpected error", exc_info=exc)
        yield _sse(error_body("Internal error: see the server's log.", "server_error"))
    yield _sse("[DONE]")


def serve(bot: Assistant, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *, sources_in_text: bool = False) -> None:
    """Load the index and the models, then serve the API until interrupted (refused beyond this machine without
    ``TANYA_API_KEY``: :func:`check_bind`)."""
    import uvicorn

    check_bind(host, bot.settings.api_key)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per call to a model or Chroma server
    bot.prepare()  # the first request should not wait for the models; a model missing stops here, with its reason
    if not is_loopback(host):
        log.warning("serving on %s: other machines on the network can reach the API (with the key)", host)
    print(f"Tanya Berita API: http://{host}:{port}/v1 (model {MODEL_ID!r})", flush=True)
    uvicorn.run(build_api(bot, host=host, sources_in_text=sources_in_text), host=host, port=port,
                log_level="info", server_header=False)
