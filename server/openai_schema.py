"""OpenAI request bodies -> validated `CompletionRequest`s (used by server/openai_api.py before any backend runs).

Every rejection is a `RequestRejected` naming the offending field, which the routes turn into OpenAI's
`{"error": {"message", "type": "invalid_request_error", "param"}}` with status 400. Fields we do not know are
ignored, as OpenAI clients send extras (`user`, `metadata`, ...); fields that would change the answer in a way we
cannot honour (`n` > 1, `logprobs`, penalties, `logit_bias`, tools, a JSON response format) are refused rather than
silently dropped, unless they carry the value that means "off".
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from server.backend import CompletionRequest, RequestRejected

ROLES = ("system", "developer", "user", "assistant")
MAX_STOPS = 4  # OpenAI's limit; each stop string costs a scan per token
MAX_TOP_K = 2**31 - 1  # the kernel takes top_k as a 32-bit parameter; anything at or past the vocabulary means "off"
UNSUPPORTED = {  # field -> the values we accept (the ones that mean "feature off")
    "n": (None, 1),
    "best_of": (None, 1),
    "echo": (None, False),
    "suffix": (None, ""),
    "logprobs": (None, False),
    "top_logprobs": (None, 0),
    "logit_bias": (None, {}),
    "presence_penalty": (None, 0),
    "frequency_penalty": (None, 0),
    "response_format": (None, {"type": "text"}),
    "tools": (None, []),
    "functions": (None, []),
}


@dataclass(frozen=True)
class Parsed:
    request: CompletionRequest
    stream: bool
    include_usage: bool  # stream_options.include_usage: one extra chunk carrying `usage`


def parse_chat(body: Any) -> Parsed:
    body = _object(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestRejected("'messages' must be a non-empty array of {role, content} objects", param="messages")
    rendered = tuple(_message(m, i) for i, m in enumerate(messages))
    # max_completion_tokens is the newer name of the same limit; OpenAI's chat default is "until the context ends".
    max_tokens = _int(body, "max_completion_tokens", None, lo=1)
    max_tokens = _int(body, "max_tokens", max_tokens, lo=1)
    return _parsed(body, messages=rendered, max_tokens=max_tokens)


def parse_completion(body: Any) -> Parsed:
    body = _object(body)
    prompt = body.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]  # a batch of one prompt
    if not isinstance(prompt, str) or not prompt:
        raise RequestRejected("'prompt' must be a non-empty string (token arrays and batches are not supported)",
                              param="prompt")
    return _parsed(body, prompt=prompt, max_tokens=_int(body, "max_tokens", 16, lo=1))  # 16: OpenAI's default


def _parsed(body: dict, **fields: Any) -> Parsed:
    for name, accepted in UNSUPPORTED.items():
        if not _is_one_of(body.get(name), accepted):
            raise RequestRejected(f"'{name}' = {_show(body[name])} is not supported by this server", param=name)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise RequestRejected("'model' must be a non-empty string; see GET /v1/models", param="model")
    seed = _int(body, "seed", None)  # any integer: the backend folds it into the kernel's 32 bits
    temperature = _number(body, "temperature", 1.0, lo=0.0, hi=2.0)  # 0 = greedy
    top_p = _number(body, "top_p", 1.0, lo=0.0, hi=1.0)
    if top_p == 0:
        # OpenAI accepts 0: the nucleus then holds only the most likely token, which is greedy decoding. The
        # runtime wants top_p in (0, 1], so say it its way.
        temperature, top_p = 0.0, 1.0
    request = CompletionRequest(
        model=model,
        temperature=temperature,
        top_p=top_p,
        top_k=_int(body, "top_k", 0, lo=0, hi=MAX_TOP_K),  # extension; 0 = off
        # No seed means "surprise me", as with OpenAI; a given seed makes sampling reproducible.
        seed=secrets.randbelow(2**31) if seed is None else seed,
        stop=_stop(body.get("stop")),
        **fields,
    )
    stream = _bool(body, "stream", False)
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise RequestRejected("'stream_options' must be an object", param="stream_options")
    include_usage = _bool(options or {}, "include_usage", False, param="stream_options.include_usage")
    return Parsed(request, stream, include_usage)


def _object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise RequestRejected(f"the request body must be a JSON object, got {type(body).__name__}")
    return body


def _message(message: Any, i: int) -> dict:
    where = f"messages[{i}]"
    if not isinstance(message, dict):
        raise RequestRejected(f"'{where}' must be an object with 'role' and 'content'", param=where)
    role = message.get("role")
    if role not in ROLES:
        raise RequestRejected(f"'{where}.role' must be one of {', '.join(ROLES)}; got {_show(role)}",
                              param=f"{where}.role")
    content = message.get("content")
    if isinstance(content, list):  # content parts: only text parts can reach a text model
        if not all(isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
                   for p in content):
            raise RequestRejected(f"'{where}.content' parts must all be {{\"type\": \"text\", \"text\": ...}}",
                                  param=f"{where}.content")
        content = "".join(p["text"] for p in content)
    if not isinstance(content, str):
        raise RequestRejected(f"'{where}.content' must be a string or an array of text parts",
                              param=f"{where}.content")
    return {"role": role, "content": content}


def _stop(stop: Any) -> tuple[str, ...]:
    if stop is None:
        return ()
    stops = [stop] if isinstance(stop, str) else stop
    if (not isinstance(stops, list) or len(stops) > MAX_STOPS
            or not all(isinstance(s, str) and s for s in stops)):
        raise RequestRejected(f"'stop' must be a non-empty string or an array of at most {MAX_STOPS} of them",
                              param="stop")
    return tuple(stops)


def _int(body: dict, name: str, default: int | None, *, lo: int | None = None,
         hi: int | None = None) -> int | None:
    value = body.get(name)
    if value is None:
        return default
    # bool is an int in Python; `"max_tokens": true` is a client bug, not 1.
    if (isinstance(value, bool) or not isinstance(value, int) or (lo is not None and value < lo)
            or (hi is not None and value > hi)):
        bound = "" if lo is None and hi is None else f" >= {lo}" if hi is None else f" in [{lo}, {hi}]"
        raise RequestRejected(f"'{name}' must be an integer{bound}, got {_show(value)}", param=name)
    return value


def _number(body: dict, name: str, default: float, *, lo: float, hi: float) -> float:
    value = body.get(name)
    if value is None:
        return default
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not lo <= value <= hi:  # also refuses NaN and the infinities, which Python's json reads
        raise RequestRejected(f"'{name}' must be a number in [{lo:g}, {hi:g}], got {_show(value)}", param=name)
    return float(value)


def _is_one_of(value: Any, accepted: tuple) -> bool:
    """`value in accepted`, except that true/false never pass for 1/0 (nor 1/0 for true/false)."""
    return any(value == a and isinstance(value, bool) == isinstance(a, bool) for a in accepted)


def _bool(body: dict, name: str, default: bool, *, param: str | None = None) -> bool:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise RequestRejected(f"'{param or name}' must be true or false, got {_show(value)}", param=param or name)
    return value


def _show(value: Any) -> str:
    """A short JSON rendering of a client value for an error message."""
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
