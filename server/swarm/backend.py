"""The swarm as an inference backend, and the routing between it and the native runtime.

OpenAI routes -> **RoutingBackend** -> SwarmBackend (when workers cover the whole model) or NativeBackend (otherwise;
never with --swarm-only). SwarmBackend is the native backend's request handling over other engines: one engine per
swarm pipeline, on a loop thread of its own, fed by the coordinator's `regroup` whenever the pipelines change.
"""
from __future__ import annotations

import asyncio
from typing import AsyncIterator

from compiler.native.engine import Engine
from compiler.native.text import TextModel
from server.backend import Chunk, CompletionRequest, NativeBackend, RequestRejected
from server.gpu_loop import GpuLoop


class SwarmBackend(NativeBackend):
    def __init__(self, coordinator, *, max_queue: int = 32):
        self.coordinator = coordinator
        text = TextModel.open(coordinator.artifact)
        self._eos = text.eos_ids
        super().__init__({coordinator.model_id: text}, max_queue=max_queue, loop=GpuLoop("webshard-swarm"))
        coordinator.backend = self

    def _register(self, model_id: str, model) -> None:
        # No engine yet: the coordinator adds one per pipeline (regroup); requests park until then.
        self._loop.call(lambda: self._loop.groups.setdefault(model_id, []))
        self._active.setdefault(model_id, 0)

    def slots(self, model_id: str) -> int:
        return sum(p.slots for p in self.coordinator.pipelines) or self.coordinator.slots

    def covers(self, model_id: str) -> bool:
        return model_id == self.coordinator.model_id and self.coordinator.serving

    async def regroup(self, pipelines) -> int:
        """New pipelines: their engines replace the old ones, and unfinished sequences move over (replayed).
        Returns how many moved."""
        model_id = self.coordinator.model_id
        engines = {f"{model_id}#{self.coordinator.epoch}.{p.index}":
                   Engine(p, eos_ids=self._eos, prefill_chunk=self._prefill_chunk) for p in pipelines}
        return await asyncio.get_running_loop().run_in_executor(None, self._loop.call,
                                                                lambda: self._loop.regroup(model_id, engines))


class RoutingBackend:
    """Requests for the swarm's model go to the swarm when it covers the whole model, else to the native runtime;
    with swarm_only there is no fallback (a 503 until workers cover the model)."""

    def __init__(self, native: NativeBackend | None, swarm: SwarmBackend | None, *, swarm_only: bool = False):
        self.native, self.swarm, self.swarm_only = native, swarm, swarm_only

    def model_ids(self) -> list[str]:
        ids = set(self.swarm.model_ids() if self.swarm else [])
        if not self.swarm_only and self.native is not None:
            ids |= set(self.native.model_ids())
        return sorted(ids)

    def complete(self, request: CompletionRequest) -> AsyncIterator[Chunk]:
        if self.swarm is not None and self.swarm.covers(request.model):
            return self.swarm.complete(request)
        if self.swarm_only or self.native is None or request.model not in self.native.model_ids():
            workers = len(self.swarm.coordinator.workers) if self.swarm else 0
            return _refuse(RequestRejected(
                f"the swarm does not cover model {request.model!r} yet ({workers} workers joined); "
                "open /demos/worker.html in more tabs or start `webshard worker`", status=503, retry_after=5))
        return self.native.complete(request)

    def close(self) -> None:
        for b in (self.native, self.swarm):
            if b is not None:
                b.close()
        if self.swarm is not None:
            self.swarm.coordinator.close()


async def _refuse(error: RequestRejected) -> AsyncIterator[Chunk]:
    raise error
    yield  # pragma: no cover - makes this an async generator
