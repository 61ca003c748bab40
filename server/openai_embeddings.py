"""POST /v1/embeddings in OpenAI's format: validation, tokenization and truncation, the response (float or base64).

HTTP body (server/safe_json.py, via openai_api's reader) -> **parse_embeddings** -> EmbeddingBackend (server/
embeddings.py: batching, the GPU thread) -> {"object": "list", "data": [{"object": "embedding", "index", "embedding"}],
"model", "usage"}. Every refusal is OpenAI's error body with `param` naming the field (`input[3]`), and a 4xx status.

Long texts: cut to the model's max_seq_length, as sentence-transformers does (all-MiniLM-L6-v2: 256 tokens with
[CLS] and [SEP]); `usage.truncated_inputs` lists the indices of the texts that were cut. With the extension field
`"truncate": false` such a text is refused instead (the behaviour of Hugging Face's text-embeddings-inference).
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.backend import RequestRejected

MAX_INPUTS = 256   # texts per request; OpenAI allows 2048, but 2048 long texts would hold a CPU adapter for minutes
ENCODING_FORMATS = ("float", "base64")


@dataclass(frozen=True)
class EmbeddingRequest:
    model: str
    texts: tuple[str, ...]
    encoding_format: str = "float"
    dimensions: int | None = None
    truncate: bool = True


def parse_embeddings(body: Any) -> EmbeddingRequest:
    """A validated request, or RequestRejected naming the field."""
    if not isinstance(body, dict):
        raise RequestRejected(f"the request body must be a JSON object, got {type(body).__name__}")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise RequestRejected("'model' must be a non-empty string; see GET /v1/models", param="model")
    texts = _texts(body.get("input", _MISSING))
    fmt = body.get("encoding_format")
    if fmt is None:
        fmt = "float"
    if fmt not in ENCODING_FORMATS:
        raise RequestRejected(f"'encoding_format' must be one of {', '.join(ENCODING_FORMATS)}, got {_show(fmt)}",
                              param="encoding_format")
    dims = body.get("dimensions")
    if dims is not None and (isinstance(dims, bool) or not isinstance(dims, int) or dims < 1):
        raise RequestRejected(f"'dimensions' must be a positive integer, got {_show(dims)}", param="dimensions")
    truncate = body.get("truncate", True)
    if not isinstance(truncate, bool):
        raise RequestRejected(f"'truncate' must be true or false, got {_show(truncate)}", param="truncate")
    return EmbeddingRequest(model, texts, fmt, dims, truncate)


_MISSING = object()


def _texts(value: Any) -> tuple[str, ...]:
    if value is _MISSING or value is None:
        raise RequestRejected("'input' is required: a string or an array of strings", param="input")
    if isinstance(value, str):
        if not value:
            raise RequestRejected("'input' is an empty string; give text to embed", param="input")
        return (value,)
    if not isinstance(value, list):
        raise RequestRejected(f"'input' must be a string or an array of strings, got {_show(value)}", param="input")
    if not value:
        raise RequestRejected("'input' is an empty array; give at least one string", param="input")
    if len(value) > MAX_INPUTS:
        raise RequestRejected(f"'input' has {len(value)} items; this server embeds at most {MAX_INPUTS} per request",
                              param="input")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            what = "token ids are not supported" if isinstance(item, (int, list)) and not isinstance(item, bool) \
                else f"got {_show(item)}"
            raise RequestRejected(f"'input[{i}]' must be a string ({what})", param=f"input[{i}]")
        if not item:
            raise RequestRejected(f"'input[{i}]' is an empty string; give text to embed", param=f"input[{i}]")
    return tuple(value)


def _show(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


async def embeddings(request: Request) -> Response:
    from server.openai_api import _json_body, error_response

    # Security: as for completions (openai_api._complete says why), only application/json, which makes a browser
    # ask a CORS preflight that this server never approves.
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        return error_response(f"Content-Type must be application/json, got {content_type or 'none'!r}", status=415)
    embedder = getattr(request.app.state, "embedder", None)
    try:
        parsed = parse_embeddings(await _json_body(request))
        if embedder is None:
            return error_response("no embedding model is loaded in this server (compile one: webshard compile "
                                  "minilm)", status=503, kind="server_error")
        if parsed.model not in embedder.model_ids():
            return error_response(f"model {parsed.model!r} is not an embedding model here; embedding models: "
                                  f"{', '.join(embedder.model_ids()) or 'none'}", status=404, param="model",
                                  code="model_not_found")
        enc = embedder.encoder(parsed.model)
        if parsed.dimensions is not None and parsed.dimensions != enc.dim:
            raise RequestRejected(f"'dimensions' must be {enc.dim} for {parsed.model} (it cannot shorten its "
                                  f"embeddings), got {parsed.dimensions}", param="dimensions")
        encoded = await embedder.tokenize(parsed.model, list(parsed.texts))
        cut = [i for i, e in enumerate(encoded) if e.truncated]
        if cut and not parsed.truncate:
            i = cut[0]
            raise RequestRejected(f"'input[{i}]' is {encoded[i].tokens} tokens; {parsed.model} embeds at most "
                                  f"{enc.max_tokens} (leave out \"truncate\": false to cut it, as "
                                  "sentence-transformers does)",
                                  param="input" if len(parsed.texts) == 1 else f"input[{i}]")
        vectors = await embedder.embed(parsed.model, [e.ids for e in encoded])
    except RequestRejected as e:
        return error_response(e.message, status=e.status, param=e.param, headers=e.headers)
    except Exception as e:  # noqa: BLE001 - a backend failure becomes OpenAI's server_error, never a bare 500 page
        import logging

        logging.getLogger("webshard.server").exception("embedding failed")
        return error_response(f"embedding failed: {e}", status=500, kind="server_error")
    tokens = sum(len(e.ids) for e in encoded)
    data = [{"object": "embedding", "index": i, "embedding": _encode(v, parsed.encoding_format)}
            for i, v in enumerate(vectors)]
    return JSONResponse({"object": "list", "data": data, "model": parsed.model,
                         "usage": {"prompt_tokens": tokens, "total_tokens": tokens, "truncated_inputs": cut}})


def _encode(v: np.ndarray, fmt: str) -> list[float] | str:
    if fmt == "base64":   # OpenAI's base64: the little-endian float32 bytes
        return base64.b64encode(np.ascontiguousarray(v, "<f4").tobytes()).decode("ascii")
    return [float(x) for x in v]
