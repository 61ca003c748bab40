"""Inference backends: what the OpenAI routes (server/openai_api.py) call to turn a validated request into text.

The HTTP layer knows only the small `Backend` protocol below. `NativeBackend` runs compiled models in this process
through the wgpu-py runtime (compiler/runtime.py); a swarm of browser workers will be a second implementation.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterable, Iterator, Mapping, Protocol

from server.textstream import IncrementalDecoder, StopScanner

log = logging.getLogger("webshard.server")


@dataclass(frozen=True)
class CompletionRequest:
    """A validated request; exactly one of `prompt` (completions) and `messages` (chat) is set."""

    model: str
    prompt: str | None = None
    messages: tuple[dict, ...] | None = None  # rendered by the model's own chat template
    max_tokens: int | None = None  # None: until EOS or the end of the context (OpenAI's chat default)
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0  # extension: 0 = no top-k cut
    seed: int = 0
    stop: tuple[str, ...] = ()

    @property
    def prompt_param(self) -> str:
        """The request field an error about the prompt should name."""
        return "messages" if self.messages is not None else "prompt"


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Chunk:
    """A text delta; the last chunk of a completion also carries `finish_reason` ("stop" | "length") and `usage`."""

    text: str
    finish_reason: str | None = None
    usage: Usage | None = None


class RequestRejected(ValueError):
    """The request cannot be served as asked (bad field, prompt longer than the context): a 4xx, not a crash."""

    def __init__(self, message: str, *, param: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.status = status


class Backend(Protocol):
    """What the HTTP layer needs from an inference engine.

    The HTTP layer only sends requests for ids that `model_ids()` lists. `complete` is an async generator of
    `Chunk`s ending with one that has a `finish_reason`; it raises `RequestRejected` before its first chunk when the
    request cannot be served, and stops generating as soon as the caller closes it (client gone). `close` runs at
    server shutdown.
    """

    def model_ids(self) -> list[str]: ...

    def complete(self, request: CompletionRequest) -> AsyncIterator[Chunk]: ...

    def close(self) -> None: ...


class TokenModel(Protocol):
    """The part of compiler.runtime.Model that NativeBackend uses (tests substitute a byte-level fake)."""

    model_id: str
    max_context: int
    eos_ids: set[int]

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: list[int]) -> str: ...

    def chat_prompt(self, messages: list[dict]) -> str: ...

    def generate(self, prompt_ids: list[int], *, max_tokens: int, sampling: Any) -> Iterator[int]: ...


class NativeBackend:
    """Compiled models run by the wgpu-py runtime on ONE worker thread: the GPU queue.

    Every model call (tokenizer included, since Model is not thread-safe) happens on that thread, and a request's
    whole generation is one job, so requests are served one after another in arrival order and never interleave.
    Tokens cross back to the event loop through an asyncio.Queue, so streaming never blocks it.
    """

    def __init__(self, models: Mapping[str, TokenModel], *, sampling: Callable[..., Any],
                 input_errors: tuple[type[Exception], ...] = (ValueError,)) -> None:
        self._models = dict(models)
        self._make_sampling = sampling  # compiler.runtime.Sampling; injected so tests need no GPU runtime
        # What the runtime raises for input it cannot take (a prompt beyond the context, an empty prompt):
        # a 400 when raised before the first token, rather than a 500.
        self._input_errors = input_errors
        self._gpu = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webshard-gpu")

    @classmethod
    def load(cls, artifact_dirs: Iterable[Path], variant: str | None = None) -> NativeBackend:
        """Load compiled models; pipelines are built on the worker thread that will later use them."""
        # Lazy: wgpu and an adapter are needed only to serve.
        from compiler.errors import LimitError
        from compiler.native.model import Model, Sampling

        backend = cls({}, sampling=Sampling, input_errors=(ValueError, LimitError))
        for artifact_dir in artifact_dirs:
            model = backend._gpu.submit(Model.load, Path(artifact_dir), variant).result()
            if model.model_id != Path(artifact_dir).name:
                log.warning("model %r lives in %s: its files are served under /artifacts/%s/",
                            model.model_id, artifact_dir, Path(artifact_dir).name)
            backend._models[model.model_id] = model
        return backend

    def model_ids(self) -> list[str]:
        return sorted(self._models)

    def close(self) -> None:
        self._gpu.shutdown(wait=False, cancel_futures=True)

    async def complete(self, request: CompletionRequest) -> AsyncIterator[Chunk]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Chunk | BaseException] = asyncio.Queue()
        cancelled = threading.Event()

        def emit(item: Chunk | BaseException) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the event loop has closed: nobody is listening any more
                cancelled.set()

        self._gpu.submit(self._run, request, emit, cancelled)
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
                if item.finish_reason is not None:
                    return
        finally:
            cancelled.set()  # client gone or done: the worker stops at its next token and frees the queue

    def _run(self, request: CompletionRequest, emit: Callable, cancelled: threading.Event) -> None:
        """Worker-thread job: report any failure to the waiting coroutine instead of losing it in the executor."""
        started = False

        def emit_chunk(chunk: Chunk) -> None:
            nonlocal started
            started = True
            emit(chunk)

        try:
            if not cancelled.is_set():  # skip requests whose client left while they were queued
                self._generate(request, emit_chunk, cancelled)
        except RequestRejected as e:
            emit(e)
        except self._input_errors as e:  # mid-stream it can only be reported as an error event
            emit(RequestRejected(str(e), param=request.prompt_param) if not started else e)
        except BaseException as e:  # noqa: BLE001 - anything else becomes a 500 / an SSE error event
            log.exception("generation failed for model %r", request.model)
            emit(e)

    def _generate(self, request: CompletionRequest, emit: Callable[[Chunk], None], cancelled: threading.Event) -> None:
        model = self._models[request.model]
        prompt = model.chat_prompt(list(request.messages)) if request.messages is not None else request.prompt
        prompt_ids = model.encode(prompt)
        room = model.max_context - len(prompt_ids)
        if room < 1:
            raise RequestRejected(
                f"the prompt is {len(prompt_ids)} tokens but model {request.model!r} has a context of "
                f"{model.max_context} tokens (max_context), leaving no room to generate",
                param=request.prompt_param,
            )
        # Past the context there is no KV cache left: generation ends there with finish_reason "length".
        budget = room if request.max_tokens is None else min(request.max_tokens, room)
        # The runtime's seed is a u32 kernel parameter; OpenAI clients may send any int64: fold it, deterministically.
        sampling = self._make_sampling(temperature=request.temperature, top_k=request.top_k,
                                       top_p=request.top_p, seed=request.seed % 2**32)
        decoder, scanner = IncrementalDecoder(model.decode), StopScanner(request.stop)
        produced, finish, eos_ids = 0, None, model.eos_ids
        tokens = model.generate(prompt_ids, max_tokens=budget, sampling=sampling)
        try:
            for token in tokens:
                produced += 1
                if token in eos_ids:
                    finish = "stop"
                    break
                text, hit_stop = scanner.feed(decoder.push(token))
                if text:
                    emit(Chunk(text))
                if hit_stop:
                    finish, decoder = "stop", None  # the rest after the stop string is dropped
                    break
                if cancelled.is_set():
                    return
        finally:
            close = getattr(tokens, "close", None)  # a generator: closing it ends the runtime's GPU work early
            if close is not None:
                close()
        tail = ""
        if decoder is not None:
            tail, hit_stop = scanner.feed(decoder.flush())
            tail += "" if hit_stop else scanner.flush()
            finish = "stop" if hit_stop else finish
        if finish is None:  # the runtime ended by itself: at the budget, or at an EOS it does not yield
            finish = "length" if produced >= budget else "stop"
        emit(Chunk(tail, finish_reason=finish, usage=Usage(len(prompt_ids), produced)))
