"""Token ids -> safe text deltas: the step between a backend's token stream and the OpenAI API's text chunks.

Every backend that produces token ids (the native runtime now, browser workers later) turns them into text here,
so stop strings and multi-byte characters behave the same whatever computed the tokens.
"""
from __future__ import annotations

from typing import Callable, Sequence

REPLACEMENT = "\ufffd"


class IncrementalDecoder:
    """Decode a growing id list into text deltas without ever emitting half a character.

    A byte-level BPE token can end in the middle of a UTF-8 sequence; the tokenizer then decodes the tail to U+FFFD.
    We re-decode the whole list each step and emit only the new suffix, holding it back while it ends in U+FFFD
    (the next token usually completes the character). Re-decoding everything is O(n^2) in tokenizer work, but a
    Rust tokenizer decodes thousands of ids in microseconds, far below one GPU decode step.
    """

    def __init__(self, decode: Callable[[list[int]], str]) -> None:
        self._decode = decode
        self._ids: list[int] = []
        self._emitted = 0  # characters of decode(ids) already handed out

    def push(self, token_id: int) -> str:
        self._ids.append(token_id)
        text = self._decode(self._ids)
        if text.endswith(REPLACEMENT):
            return ""
        return self._take(text)

    def flush(self) -> str:
        """Everything not yet emitted, including a trailing U+FFFD that no later token will complete."""
        return self._take(self._decode(self._ids))

    def _take(self, text: str) -> str:
        delta = text[self._emitted:]
        self._emitted = max(self._emitted, len(text))
        return delta


class StopScanner:
    """Cut a text stream at the first occurrence of any stop string, which is never emitted itself.

    Text that could be the beginning of a stop string is held back until the next delta decides it, so a client
    never sees "...\\nUs" before we learn the stop string was "\\nUser:".
    """

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = [s for s in stops if s]
        self._pending = ""

    def feed(self, text: str) -> tuple[str, bool]:
        """Returns (text safe to emit now, whether a stop string was reached)."""
        self._pending += text
        hits = [i for i in (self._pending.find(s) for s in self._stops) if i >= 0]
        if hits:
            out, self._pending = self._pending[: min(hits)], ""
            return out, True
        keep = self._partial_stop_suffix()
        cut = len(self._pending) - keep
        out, self._pending = self._pending[:cut], self._pending[cut:]
        return out, False

    def flush(self) -> str:
        out, self._pending = self._pending, ""
        return out

    def _partial_stop_suffix(self) -> int:
        """Length of the longest tail of the pending text that is a proper prefix of some stop string."""
        best = 0
        for stop in self._stops:
            for n in range(min(len(stop) - 1, len(self._pending)), best, -1):
                if self._pending.endswith(stop[:n]):
                    best = n
                    break
        return best
