"""OpenAI-compatible routes: /v1/models, /v1/chat/completions, /v1/completions (JSON and SSE streaming), and
/v1/embeddings (server/openai_embeddings.py).

HTTP body -> server/openai_schema.py (validation) -> `app.state.backend.complete()` (server/backend.py) -> OpenAI
response objects. The backend is reached only through the `Backend` protocol, so the same routes will serve the
browser-swarm backend.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, TypeVar

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Match, Route

from server.backend import Chunk, RequestRejected, Usage
from server.openai_schema import Parsed, parse_chat, parse_completion
from server.safe_json import JSONRejected, parse_json

log = logging.getLogger("webshard.server")
T = TypeVar("T")

# Security: a prompt is tokenized in full before its length is checked, so bound what a client can make us read.
MAX_BODY_BYTES = 4 * 1024 * 1024


def error_response(message: str, *, status: int = 400, param: str | None = None,
                   kind: str = "invalid_request_error", code: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """OpenAI's error shape, which its clients turn into typed exceptions (BadRequestError, NotFoundError, ...)."""
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": code}},
                        status_code=status, headers=headers)


@dataclass(frozen=True)
class Shape:
    """How one endpoint spells its responses; chat and text completions differ only here."""

    id_prefix: str
    object: str
    chunk_object: str
    parse: Callable[[Any], Parsed]
    choice: Callable[[str, str | None, bool], dict]  # (text, finish_reason, streaming) -> one choice
    opening: dict | None  # a first streamed choice sent before any text (chat announces the role)


def _chat_choice(text: str, finish: str | None, streaming: bool) -> dict:
    if streaming:
        return {"index": 0, "delta": {"content": text} if text else {}, "finish_reason": finish, "logprobs": None}
    message = {"role": "assistant", "content": text}
    return {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}


def _text_choice(text: str, finish: str | None, streaming: bool) -> dict:
    return {"index": 0, "text": text, "finish_reason": finish, "logprobs": None}


CHAT = Shape("chatcmpl-", "chat.completion", "chat.completion.chunk", parse_chat, _chat_choice,
             opening={"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None,
                      "logprobs": None})
TEXT = Shape("cmpl-", "text_completion", "text_completion", parse_completion, _text_choice, opening=None)


def _model_ids(request: Request) -> list[str]:
    backend = request.app.state.backend
    return (backend.model_ids() if backend is not None else []) + _embedding_ids(request)


def _embedding_ids(request: Request) -> list[str]:
    embedder = getattr(request.app.state, "embedder", None)   # server/embeddings.py, for /v1/embeddings
    return embedder.model_ids() if embedder is not None else []


def _model_object(request: Request, model_id: str) -> dict:
    return {"id": model_id, "object": "model", "created": int(request.app.state.started_at), "owned_by": "webshard"}


async def list_models(request: Request) -> Response:
    return JSONResponse({"object": "list", "data": [_model_object(request, i) for i in _model_ids(request)]})


async def get_model(request: Request) -> Response:
    model_id = request.path_params["model_id"]
    if model_id not in _model_ids(request):
        return error_response(f"model {model_id!r} does not exist", status=404, param="model", code="model_not_found")
    return JSONResponse(_model_object(request, model_id))


async def chat_completions(request: Request) -> Response:
    return await _complete(request, CHAT)


async def completions(request: Request) -> Response:
    return await _complete(request, TEXT)


async def _complete(request: Request, shape: Shape) -> Response:
    # Security: a web page may POST to any origin, localhost included, without asking first as long as the request
    # is "simple" (text/plain or a form encoding); only the answer is hidden from it. Without this check any page
    # the user visits could spend their GPU. application/json makes the browser send a CORS preflight first, which
    # this server never approves, so a cross-site page cannot get such a request through.
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        return error_response(f"Content-Type must be application/json, got {content_type or 'none'!r}",
                              status=415)
    backend = request.app.state.backend
    try:
        parsed = shape.parse(await _json_body(request))
        if parsed.request.model in _embedding_ids(request):
            return error_response(f"model {parsed.request.model!r} is an embedding model: POST /v1/embeddings",
                                  status=400, param="model")
        if backend is None:
            return error_response("no inference backend is loaded in this server (started without a model?)",
                                  status=503, kind="server_error")
        if parsed.request.model not in backend.model_ids():
            return error_response(f"model {parsed.request.model!r} does not exist; GET /v1/models lists "
                                  f"{', '.join(backend.model_ids()) or 'none'}",
                                  status=404, param="model", code="model_not_found")
    except RequestRejected as e:
        return error_response(e.message, status=e.status, param=e.param, headers=e.headers)
    chunks = backend.complete(parsed.request)
    streaming = False
    try:
        # Wait for the first chunk before answering, so a rejected request still gets a real 4xx status
        # instead of an error buried in an already-started event stream.
        first = await _unless_client_leaves(request, lambda: anext(chunks))
        if parsed.stream:
            streaming = True  # from here the StreamingResponse owns `chunks` and closes it
            return _stream(shape, parsed, first, chunks)
        text, last = await _unless_client_leaves(request, lambda: _rest(first, chunks))
    except ClientGone:
        log.info("client disconnected before its completion was ready: generation stopped")
        return Response(status_code=499)  # nginx's "client closed request"; nobody will read it
    except RequestRejected as e:
        return error_response(e.message, status=e.status, param=e.param, headers=e.headers)
    except Exception as e:  # noqa: BLE001 - a backend failure becomes OpenAI's server_error, never a bare 500 page
        log.exception("completion failed")
        return error_response(f"inference failed: {e}", status=500, kind="server_error")
    finally:
        if not streaming:
            await _close(chunks)  # frees the GPU worker, also when the client left or the backend failed
    body = {**_meta(shape, parsed), "object": shape.object, "choices": [shape.choice(text, last.finish_reason, False)],
            "usage": _usage(last.usage)}
    return JSONResponse(body)


def _meta(shape: Shape, parsed: Parsed) -> dict:
    return {"id": shape.id_prefix + uuid.uuid4().hex, "created": int(time.time()), "model": parsed.request.model}


def _stream(shape: Shape, parsed: Parsed, first: Chunk, chunks: AsyncIterator[Chunk]) -> StreamingResponse:
    events = _sse(shape, _meta(shape, parsed), first, chunks, parsed.include_usage)
    # no-transform/X-Accel-Buffering: proxies must pass tokens through as they come, not buffer the stream.
    headers = {"cache-control": "no-cache, no-transform", "x-accel-buffering": "no"}
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


async def _rest(first: Chunk, chunks: AsyncIterator[Chunk]) -> tuple[str, Chunk]:
    """The whole text from `first` to the chunk with a finish_reason, and that last chunk."""
    texts, last = [first.text], first
    while last.finish_reason is None:
        last = await anext(chunks)
        texts.append(last.text)
    return "".join(texts), last


class ClientGone(Exception):
    """The client closed its connection while its answer was being computed."""


async def _unless_client_leaves(request: Request, work: Callable[[], Awaitable[T]]) -> T:
    """`await work()`, cancelled with ClientGone as soon as the client disconnects.

    Starlette watches for a disconnect only while a StreamingResponse is sending; before any response exists (a
    queued request, a whole non-streamed completion) a client that gave up would otherwise keep the single GPU
    worker generating for nobody. Call it only once the body is read: from then on receive() yields nothing but
    http.disconnect, so the watcher consumes no message that anyone else needs.
    """
    outcome: tuple[bool, Any] | None = None  # (ok, value or exception); None: cancelled because the client left
    async with anyio.create_task_group() as tg:
        async def watch() -> None:
            while (await request.receive())["type"] != "http.disconnect":
                pass
            tg.cancel_scope.cancel()

        tg.start_soon(watch)
        try:
            outcome = (True, await work())
        except Exception as e:  # noqa: BLE001 - re-raised below, outside the task group (which would wrap it)
            outcome = (False, e)
        tg.cancel_scope.cancel()
    if outcome is None:
        raise ClientGone
    ok, value = outcome
    if not ok:
        raise value
    return value


async def _sse(shape: Shape, meta: dict, first: Chunk, chunks: AsyncIterator[Chunk],
               include_usage: bool) -> AsyncIterator[str]:
    def event(payload: dict) -> str:
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    def chunk_event(choices: list[dict]) -> str:
        return event({**meta, "object": shape.chunk_object, "choices": choices})

    try:
        if shape.opening is not None:
            yield chunk_event([shape.opening])
        chunk = first
        while True:
            if chunk.text:
                yield chunk_event([shape.choice(chunk.text, None, True)])
            if chunk.finish_reason is not None:
                yield chunk_event([shape.choice("", chunk.finish_reason, True)])
                break
            chunk = await anext(chunks)
        if include_usage:
            yield event({**meta, "object": shape.chunk_object, "choices": [], "usage": _usage(chunk.usage)})
        yield "data: [DONE]\n\n"
    except Exception as e:  # noqa: BLE001 - headers are sent: an error event is the only way left to say it
        log.exception("streaming completion failed")
        yield event({"error": {"message": f"inference failed: {e}", "type": "server_error", "param": None,
                               "code": None}})
    finally:
        await _close(chunks)


async def _close(chunks: AsyncIterator[Chunk]) -> None:
    """Close the backend's stream so it stops generating; shielded, as this also runs while being cancelled."""
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        with anyio.CancelScope(shield=True):
            await aclose()


def _usage(usage: Usage | None) -> dict | None:
    if usage is None:
        return None
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens}


async def _json_body(request: Request) -> Any:
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > MAX_BODY_BYTES:
            raise RequestRejected(f"the request body exceeds {MAX_BODY_BYTES} bytes", status=413)
    try:
        return parse_json(body)  # never a RecursionError, NaN or lone surrogate (server/safe_json.py)
    except JSONRejected as e:
        raise RequestRejected(f"the request body is not valid JSON: {e}") from None


async def embeddings(request: Request) -> Response:
    from server.openai_embeddings import embeddings as handle   # it imports this module's helpers

    return await handle(request)


async def unknown(request: Request) -> Response:
    """Any other /v1 request: OpenAI's error body (its clients parse it), 405 for a known path, 404 otherwise."""
    # An endpoint whose path matches is here only because the method did not (a full match would have won).
    allowed = sorted({m for r in _endpoints if r.matches(request.scope)[0] != Match.NONE
                      for m in r.methods or ()} - {"HEAD"})
    if allowed:
        response = error_response(f"{request.method} is not allowed on {request.url.path}; use {', '.join(allowed)}",
                                  status=405)
        response.headers["allow"] = ", ".join(allowed)
        return response
    return error_response(f"Invalid URL ({request.method} {request.url.path})", status=404)


_endpoints = [
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/models/{model_id}", get_model, methods=["GET"]),
    Route("/v1/chat/completions", chat_completions, methods=["POST"]),
    Route("/v1/completions", completions, methods=["POST"]),
    Route("/v1/embeddings", embeddings, methods=["POST"]),
]
# Last: Starlette's router takes the first full match, so this sees only what no endpoint above takes.
routes = [*_endpoints, Route("/v1/{path:path}", unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]
