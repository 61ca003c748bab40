"""A swarm pipeline: workers that together run the whole model, driven by the generation loop as a runner.

engine (compiler/native/engine.py, on the swarm's loop thread) -> **SwarmPipeline.submit/collect** -> run_step on
the event loop: the step goes to the first stage's worker, each result is checked and forwarded to the next, and the
last stage's sampled ids come back. Several steps are in flight at once, each with other sequences (the engine's
micro-batches), so while stage 2 works on one, stage 1 works on the next. Each worker answers its steps in order.

When a stage goes away the steps in flight fail (PipelineBroken), `collect` raises Interrupted, and the engine feeds
its sequences again from their history once the coordinator has re-planned (tokens identical to an undisturbed
run). The pipeline keeps each slot's token history too: the verifier re-runs a stage from it.
"""
from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from concurrent.futures import Future

from compiler.native.batch import Step, step_rows
from compiler.native.engine import Interrupted
from server.swarm.protocol import pack_step
from server.swarm.workers import Expect, PipelineBroken, WorkerConn

TIMELINE = 400     # (stage, start, end) records kept for the dashboard's timeline


class SwarmPipeline:
    chainable = False   # tokens cross the coordinator between steps: rows never name a previous step's output

    def __init__(self, coord, index: int, stages: list[tuple[WorkerConn, str, str]], slots: int):
        m = coord.manifest
        self.coord, self.index, self.stages = coord, index, stages
        self.depth = len(stages)
        # Rows per step: what every stage's worker runs (a CPU variant's step_rows is smaller than the artifact's).
        self.max_rows = min(step_rows(m, (w.capability or {}).get("variant", "")) for w, _, _ in stages) \
            if stages else m["limits"]["max_tokens_per_step"]
        self.slots = slots
        self.max_outputs = min(slots, self.max_rows)
        self.context = m["limits"]["max_context"]
        self.vocab = m["model"]["config"]["vocab_size"]
        self.width = m["model"]["config"]["d_model"]
        self.ready = False
        self.history = [[0] * self.context for _ in range(slots)]
        self.timeline: deque = deque(maxlen=TIMELINE)
        self.tokens = 0
        self.started = time.monotonic()
        self.active = 0
        self.rng = random.Random(index)

    @property
    def step_ms(self) -> float:
        """The modelled time of one step: its slowest stage (routing weighs pipelines by it)."""
        return max((w.layer_ms * w.range_cost for w, _, _ in self.stages), default=1.0) + self.coord.hop_ms

    # -- the Runner protocol (called on the swarm's loop thread)
    def submit(self, step: Step, keep_logits=()) -> Future:
        if not self.ready:
            raise Interrupted(f"pipeline {self.index} is not ready")
        for r in step.rows:
            self.history[r.slot][r.pos] = r.token
        return asyncio.run_coroutine_threadsafe(self.run_step(step), self.coord.loop)

    def collect(self, fut: Future):
        try:
            ids = fut.result()
        except PipelineBroken as e:
            raise Interrupted(str(e)) from None
        return ids, None

    # -- on the event loop
    async def run_step(self, step: Step) -> list[int]:
        self.active += 1
        try:
            x = None
            for i, (worker, first, last) in enumerate(self.stages):
                expect = self.expect(last, step)
                t0 = time.monotonic()
                result = await self.call(worker, step, x, expect)
                self.timeline.append((worker.id, t0 - self.started, time.monotonic() - self.started))
                if self.coord.verifier is not None and self.rng.random() < self.coord.verify_fraction:
                    await self.coord.verify(self, i, step, result)
                x = result.payload
            ids = [int(v) for v in result.values.reshape(-1)]
            self.tokens += len(ids)
            self.coord.tokens += len(ids)
            return ids
        finally:
            self.active -= 1

    def expect(self, last_unit: str, step: Step) -> Expect:
        role = self.coord.roles[last_unit]
        if role == "sample":
            return Expect(len(step.outputs), 1, "u32")
        if role == "head":
            return Expect(len(step.outputs), self.vocab, "f32")
        return Expect(len(step.rows), self.width, "f32")

    async def call(self, worker: WorkerConn, step: Step, x: bytes | None, expect: Expect):
        if worker.state != "ready" or worker.evicted:
            raise PipelineBroken(f"worker {worker.id} is not ready")
        sid = worker.next_step
        worker.next_step += 1
        fut = worker.expect(sid, expect, len(step.rows))
        try:
            await worker.send_bytes(pack_step(worker.assignment, sid, step, x))
        except Exception as e:  # noqa: BLE001 - a closed socket is a worker gone
            await self.coord.evict(worker, f"sending step {sid} failed ({type(e).__name__})")
            raise PipelineBroken(f"worker {worker.id} is gone") from None
        try:
            result = await asyncio.wait_for(asyncio.shield(fut), timeout=self.coord.step_timeout_s)
        except asyncio.TimeoutError:
            await self.coord.evict(worker, f"step {sid} took longer than {self.coord.step_timeout_s:.0f} s")
            raise PipelineBroken(f"worker {worker.id} timed out") from None
        return result

    def summary(self) -> dict:
        ms = [w.layer_ms * w.range_cost for w, _, _ in self.stages]
        mean = sum(ms) / len(ms) if ms else 0.0
        wall = time.monotonic() - self.started
        return {
            "id": self.index, "ready": self.ready, "slots": self.slots,
            "stages": [{"worker": w.id, "first": a, "last": b, "step_ms": round(t, 2)}
                       for (w, a, b), t in zip(self.stages, ms)],
            "bottleneck_ms": round(max(ms), 2) if ms else 0.0,
            "imbalance": round(max(ms) / mean, 3) if mean else 0.0,
            "tokens": self.tokens, "tok_s": round(self.tokens / wall, 3) if wall > 0 else 0.0,
            "age_s": round(wall, 3),   # timeline start/end are seconds since the pipeline started
        }


