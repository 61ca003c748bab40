"""The embeddings backend: encoders run by the native runtime, concurrent requests batched into shared GPU steps.

server/openai_embeddings.py (one coroutine per HTTP request: validate, tokenize) -> **EmbeddingBackend.embed** (a
bounded queue) -> one batching task per event loop -> the GPU thread (server/gpu_loop.py `call`, the same thread that
runs the chat engines, so one device is never driven from two threads) -> compiler/native/encoder.py.

Batching: while the GPU thread embeds one batch, requests that arrive wait in the queue; when it is done the task
takes everything waiting (up to MAX_BATCH_TEXTS texts) as the next batch, which Encoder.embed_ids packs into as few
steps as fit. So a lone request runs at once, and concurrent ones share steps instead of queueing one by one. A
sentence's embedding does not depend on what else is in its step (attention and pooling read only its own rows).
Past MAX_PENDING_TEXTS waiting texts the API answers 429 with Retry-After; nothing accepted is dropped.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol

import numpy as np

from server.backend import RequestRejected
from server.gpu_loop import GpuLoop

log = logging.getLogger("webshard.server")

MAX_BATCH_TEXTS = 256      # texts handed to the GPU thread at once (Encoder.embed_ids packs them into steps)
MAX_PENDING_TEXTS = 4096   # texts waiting for the GPU, all requests together; past it: 429


class ServedEncoder(Protocol):
    """The part of compiler.native.encoder.Encoder the server uses (tests substitute a CPU fake)."""

    model_id: str
    dim: int
    max_tokens: int

    def encode(self, texts: list[str]) -> list[Any]: ...          # [Encoded(ids, tokens, truncated)]

    def embed_ids(self, sentences: list[list[int]]) -> np.ndarray: ...


@dataclass(eq=False)
class _Job:
    model_id: str
    sentences: list[list[int]]
    future: asyncio.Future


@dataclass
class _Lane:
    """The queue and batching task of one event loop (a server has one; TestClient may start several)."""

    queue: asyncio.Queue
    task: asyncio.Task | None = None
    pending: int = 0                       # texts queued or being embedded
    batches: list[int] = field(default_factory=list)   # texts per batch handed to the GPU (tests read it)


class EmbeddingBackend:
    """Encoders by model id, batched on `loop` (the chat backend's GPU thread when there is one)."""

    def __init__(self, encoders: Mapping[str, ServedEncoder], *, loop: GpuLoop | None = None,
                 max_batch: int = MAX_BATCH_TEXTS, max_pending: int = MAX_PENDING_TEXTS,
                 input_errors: tuple[type[Exception], ...] = (ValueError,)) -> None:
        self._encoders = dict(encoders)
        self._owns_loop = loop is None
        self._loop = loop or GpuLoop(name="webshard-embed")
        self.max_batch, self.max_pending = max_batch, max_pending
        self._input_errors = input_errors
        self._lanes: dict[int, _Lane] = {}

    @classmethod
    def load(cls, artifact_dirs: Iterable[Path], variant: str | None = None, *,
             loop: GpuLoop | None = None) -> "EmbeddingBackend":
        """Load compiled encoders on the GPU thread that will run them."""
        from compiler.errors import LimitError
        from compiler.native.encoder import Encoder

        backend = cls({}, loop=loop, input_errors=(ValueError, LimitError))
        for d in artifact_dirs:
            enc = backend._loop.call(lambda d=d: Encoder.load(Path(d), variant))
            if enc.model_id != Path(d).name:
                log.warning("encoder %r lives in %s: its files are served under /artifacts/%s/", enc.model_id, d,
                            Path(d).name)
            backend._encoders[enc.model_id] = enc
        return backend

    def model_ids(self) -> list[str]:
        return sorted(self._encoders)

    def encoder(self, model_id: str) -> ServedEncoder:
        return self._encoders[model_id]

    @property
    def batches(self) -> list[int]:
        """Texts per batch handed to the GPU so far, over every event loop."""
        return [n for lane in self._lanes.values() for n in lane.batches]

    def close(self) -> None:
        for lane in self._lanes.values():
            if lane.task is not None:
                lane.task.cancel()
        if self._owns_loop:
            self._loop.close()

    async def tokenize(self, model_id: str, texts: list[str]) -> list[Any]:
        """Encoded texts (off the event loop: a 4 MiB body takes a while to tokenize)."""
        return await asyncio.to_thread(self._encoders[model_id].encode, texts)

    async def embed(self, model_id: str, sentences: list[list[int]]) -> np.ndarray:
        """(len(sentences), dim) embeddings of token-id lists, batched with whatever else is waiting."""
        lane = self._lane()
        if lane.pending + len(sentences) > self.max_pending:
            raise RequestRejected(f"the embedding queue is full ({lane.pending} texts wait for the GPU); retry later",
                                  status=429, retry_after=1)
        job = _Job(model_id, sentences, asyncio.get_running_loop().create_future())
        lane.pending += len(sentences)
        try:
            lane.queue.put_nowait(job)
            return await job.future
        finally:
            lane.pending -= len(sentences)

    def _lane(self) -> _Lane:
        loop = asyncio.get_running_loop()
        lane = self._lanes.get(id(loop))
        if lane is None or lane.task is None or lane.task.done():
            lane = self._lanes[id(loop)] = _Lane(asyncio.Queue())
            lane.task = loop.create_task(self._batches(lane), name="webshard-embed-batches")
        return lane

    async def _batches(self, lane: _Lane) -> None:
        while True:
            jobs = [await lane.queue.get()]
            n = len(jobs[0].sentences)
            while n < self.max_batch and not lane.queue.empty():
                jobs.append(lane.queue.get_nowait())
                n += len(jobs[-1].sentences)
            jobs = [j for j in jobs if not j.future.done()]   # a client that left is not embedded
            for model_id in dict.fromkeys(j.model_id for j in jobs):
                group = [j for j in jobs if j.model_id == model_id]
                await self._run(lane, model_id, group)

    async def _run(self, lane: _Lane, model_id: str, jobs: list[_Job]) -> None:
        sentences = [s for j in jobs for s in j.sentences]
        lane.batches.append(len(sentences))
        enc = self._encoders[model_id]
        try:
            vectors = await asyncio.to_thread(self._loop.call, lambda: enc.embed_ids(sentences))
        except Exception as e:  # noqa: BLE001 - handed to each request; the batching task carries on
            if not isinstance(e, self._input_errors):
                log.exception("embedding a batch of %d texts with %r failed", len(sentences), model_id)
            for j in jobs:
                if not j.future.done():
                    j.future.set_exception(e)
            return
        start = 0
        for j in jobs:
            end = start + len(j.sentences)
            if not j.future.done():
                j.future.set_result(vectors[start:end])
            start = end
