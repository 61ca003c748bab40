"""JSON from untrusted peers: bytes -> Python values, or one `JSONRejected` saying why; never another exception.

The OpenAI routes (server/openai_api.py) parse request bodies here, and so will any protocol that reads messages
from the network. `json.loads` alone is not enough for that:
- it recurses once per nesting level, so 100,000 `[` raise RecursionError (a bare 500), and values a few hundred
  levels deep still make every later recursive walk (json.dumps in an error message, a comparison) risky;
- it accepts NaN and Infinity, which RFC 8259 (section 6) does not allow and which no client means;
- it accepts lone UTF-16 surrogates (`"\\ud800"`), which RFC 8259 (section 8.2) leaves undefined and which make the
  first `.encode("utf-8")` downstream (a tokenizer) raise.
"""
from __future__ import annotations

import json
from typing import Any

# Deeper than any OpenAI request (messages[i].content[j].text is 4; a tool's JSON schema rarely passes 20) and far
# below Python's recursion limit, so code that walks a parsed value recursively stays safe.
MAX_DEPTH = 64


class JSONRejected(ValueError):
    """The bytes are not acceptable JSON; the message says why in one line."""


def _no_constant(name: str) -> Any:
    raise JSONRejected(f"{name} is not a JSON value")


def parse_json(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `data` (UTF-8 bytes or text) as strict RFC 8259 JSON nested at most `max_depth` arrays/objects deep."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            # UTF-8 only (RFC 8259 section 8.1); json.loads would also guess UTF-16 and UTF-32 from bytes.
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as e:
            raise JSONRejected(f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    try:
        value = json.loads(data, parse_constant=_no_constant)
    except RecursionError:  # the C scanner recurses per level and stops at the interpreter's limit
        raise JSONRejected(f"nested more than {max_depth} levels deep") from None
    except JSONRejected:
        raise
    except ValueError as e:  # JSONDecodeError; also ints of more digits than sys.get_int_max_str_digits()
        raise JSONRejected(str(e)) from None
    _check(value, max_depth)
    return value


def _check(value: Any, max_depth: int) -> None:
    """Depth and string checks, iteratively (a recursive walk is what we are protecting against)."""
    stack = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, str):
            _check_text(v)
        elif isinstance(v, (list, dict)):
            if depth >= max_depth:
                raise JSONRejected(f"nested more than {max_depth} levels deep")
            if isinstance(v, dict):
                for key in v:
                    _check_text(key)
                children = v.values()
            else:
                children = v
            stack.extend((c, depth + 1) for c in children if isinstance(c, (str, list, dict)))


def _check_text(s: str) -> None:
    if not s.isascii():
        try:
            s.encode("utf-8")
        except UnicodeEncodeError as e:
            raise JSONRejected(f"a string holds a lone UTF-16 surrogate (\\u{ord(s[e.start]):04x})") from None
