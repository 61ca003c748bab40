"""Inference backends: what the OpenAI routes (server/openai_api.py) call to turn a validated request into text.

The HTTP layer knows only the small `Backend` protocol below. `NativeBackend` runs compiled models in this process
through the native runtime (compiler/native/), batching concurrent requests; a swarm of workers is a second
implementation.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Iterable, Mapping, Protocol

from compiler.native.batch import Sampling
from compiler.native.engine import Engine, Sequence
from server.gpu_loop import GpuLoop, Job
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
    """The request cannot be served as asked (bad field, prompt longer than the context, too busy): a 4xx."""

    def __init__(self, message: str, *, param: str | None = None, status: int = 400,
                 retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.status = status
        self.retry_after = retry_after   # seconds, sent as Retry-After (429)

    @property
    def headers(self) -> dict[str, str] | None:
        return {"retry-after": str(self.retry_after)} if self.retry_after is not None else None


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


class ServedModel(Protocol):
    """The part of compiler.native.model.Model that NativeBackend uses (tests substitute a byte-level fake)."""

    model_id: str
    max_context: int
    eos_ids: set[int]
    chain: Any          # a compiler.native.engine.Runner: the stages that run the model

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: list[int]) -> str: ...

    def encode_chat(self, messages: list[dict]) -> list[int]: ...


class NativeBackend:
    """Compiled models run by the wgpu-py runtime, concurrent requests batched on ONE GPU thread (server/gpu_loop.py).

    Each request is a coroutine: it tokenizes off the event loop, is admitted (or refused with 429 when every slot is
    busy and the waiting queue is full), then turns the token ids its sequence produces into text deltas, cutting at
    stop strings. Requests join the running batch at the next step; one that is closed (client gone, stop string)
    is cancelled and frees its slot a step later. Nothing it accepted is dropped.
    """

    def __init__(self, models: Mapping[str, ServedModel], *, max_queue: int = 32, prefill_chunk: int | None = None,
                 input_errors: tuple[type[Exception], ...] = (ValueError,), loop: GpuLoop | None = None) -> None:
        self._models = dict(models)
        self._loop = loop or GpuLoop()
        self._max_queue = max_queue
        self._prefill_chunk = prefill_chunk
        # What the runtime raises for input it cannot take: a 400 when raised before the first token, not a 500.
        self._input_errors = input_errors
        self._active: dict[str, int] = {}       # model id -> requests accepted and not finished
        self._seconds = 10.0                     # moving average of a request's time, for Retry-After
        for model_id, model in self._models.items():
            self._register(model_id, model)

    def _register(self, model_id: str, model: ServedModel) -> None:
        engine = Engine(model.chain, eos_ids=model.eos_ids, prefill_chunk=self._prefill_chunk)
        self._loop.call(lambda: self._loop.set_engine(model_id, model_id, engine))
        self._active.setdefault(model_id, 0)

    @classmethod
    def load(cls, artifact_dirs: Iterable[Path], variant: str | None = None, *, slots: int | None = None,
             max_queue: int = 32) -> NativeBackend:
        """Load compiled models; pipelines are built on the GPU thread that will later use them."""
        # Lazy: wgpu and an adapter are needed only to serve.
        from compiler.errors import LimitError
        from compiler.native.model import Model

        backend = cls({}, input_errors=(ValueError, LimitError), max_queue=max_queue)
        for artifact_dir in artifact_dirs:
            model = backend._loop.call(lambda d=artifact_dir: Model.load(Path(d), variant, slots=slots))
            if model.model_id != Path(artifact_dir).name:
                log.warning("model %r lives in %s: its files are served under /artifacts/%s/",
                            model.model_id, artifact_dir, Path(artifact_dir).name)
            backend._models[model.model_id] = model
            backend._register(model.model_id, model)
        return backend

    def model_ids(self) -> list[str]:
        return sorted(self._models)

    def slots(self, model_id: str) -> int:
        return self._models[model_id].chain.slots

    @property
    def gpu_thread(self) -> str:
        return self._loop.thread_name

    @property
    def gpu_loop(self) -> GpuLoop:
        """The GPU thread; the embeddings backend (server/embeddings.py) runs its encoders on it too."""
        return self._loop

    def close(self) -> None:
        self._loop.close()

    def _prompt_ids(self, model: ServedModel, request: CompletionRequest) -> list[int]:
        # Chat: message contents are plain text, so a user cannot forge a system turn with control-token text.
        if request.messages is not None:
            return model.encode_chat(list(request.messages))
        return model.encode(request.prompt)

    async def complete(self, request: CompletionRequest) -> AsyncIterator[Chunk]:
        model = self._models[request.model]
        try:
            prompt_ids = await asyncio.to_thread(self._prompt_ids, model, request)
        except self._input_errors as e:
            raise RequestRejected(str(e), param=request.prompt_param) from None
        room = model.max_context - len(prompt_ids)
        if room < 1:
            raise RequestRejected(
                f"the prompt is {len(prompt_ids)} tokens but model {request.model!r} has a context of "
                f"{model.max_context} tokens (max_context), leaving no room to generate",
                param=request.prompt_param,
            )
        capacity = self.slots(request.model) + self._max_queue
        if self._active[request.model] >= capacity:
            wait = max(1, min(60, round(self._seconds * self._max_queue / max(1, self.slots(request.model)))))
            raise RequestRejected(f"model {request.model!r} is busy: {self.slots(request.model)} slots and "
                                  f"{self._max_queue} queued requests are taken; retry later",
                                  status=429, retry_after=wait)
        # Past the context there is no KV cache left: generation ends there with finish_reason "length".
        budget = room if request.max_tokens is None else min(request.max_tokens, room)
        # The runtime's seed is a u32 kernel parameter; OpenAI clients may send any int64: fold it, deterministically.
        sampling = Sampling(temperature=request.temperature, top_k=request.top_k, top_p=request.top_p,
                            seed=request.seed % 2**32)
        seq = Sequence(prompt_ids, budget, sampling)
        events: asyncio.Queue = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def emit(item) -> None:
            try:
                loop.call_soon_threadsafe(events.put_nowait, item)
            except RuntimeError:   # the event loop has closed: nobody is listening any more
                pass

        job = Job(request.model, seq, emit)
        started = time.monotonic()
        self._active[request.model] += 1
        self._loop.add(job)
        finished = False
        try:
            decoder, scanner = IncrementalDecoder(model.decode), StopScanner(request.stop)
            produced, eos_ids = 0, model.eos_ids
            while True:
                item = await events.get()
                if isinstance(item, BaseException):
                    if produced == 0 and isinstance(item, self._input_errors):
                        raise RequestRejected(str(item), param=request.prompt_param) from None
                    raise item
                if isinstance(item, tuple):   # ("end", finish)
                    finish = "stop" if item[1] == "eos" else "length"
                    tail, hit = scanner.feed(decoder.flush())
                    tail += "" if hit else scanner.flush()
                    finished = True
                    yield Chunk(tail, finish_reason="stop" if hit else finish,
                                usage=Usage(len(prompt_ids), produced))
                    return
                produced += 1
                if item in eos_ids:
                    continue
                text, hit = scanner.feed(decoder.push(item))
                if hit:   # the rest after the stop string is dropped; the sequence is cancelled below
                    finished = True
                    yield Chunk(text, finish_reason="stop", usage=Usage(len(prompt_ids), produced))
                    return
                if text:
                    yield Chunk(text)
        finally:
            self._active[request.model] -= 1
            self._seconds = 0.8 * self._seconds + 0.2 * (time.monotonic() - started)
            if not finished or seq.finish is None:
                self._loop.cancel(job)
