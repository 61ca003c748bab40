"""One connected worker as the coordinator sees it: its state, its measured speed, and its steps in flight.

routes.py (the WebSocket) -> **WorkerConn** (validates every frame it receives; matches results to steps in order)
-> coordinator.py (planning, eviction) and pipeline.py (steps).

A worker is untrusted: anything that breaks the protocol (ProtocolError), a result for no step or out of order,
more messages than FLOOD_MESSAGES in FLOOD_WINDOW_S, or a step that outlives its timeout gets it evicted with the
reason logged; the steps it held fail with PipelineBroken, so their sequences are replayed elsewhere.
"""
from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field

from server.swarm.protocol import RESULT_HEAD, ProtocolError, Result, parse_result

FLOOD_MESSAGES = 400      # text + binary frames per window: far above heartbeats + one result per step
FLOOD_WINDOW_S = 2.0
EMA = 0.3                 # weight of a new measurement in a worker's per-layer time


class PipelineBroken(Exception):
    """A stage of a pipeline went away (evicted, left, disconnected): its steps in flight are lost."""


@dataclass
class Expect:
    """What a step's result must look like."""

    rows: int
    width: int
    dtype: str             # "f32" (activations, logits; f16 on a link that agreed to it) or "u32" (sampled ids)


@dataclass
class Pending:
    step_id: int
    expect: Expect
    fut: asyncio.Future
    sent: float
    rows: int              # rows of the step (what normalizes its time)


@dataclass(eq=False)
class WorkerConn:
    id: str
    ws: object                         # starlette WebSocket
    kind: str                          # "browser" | "native"
    name: str
    origin: str
    joined: float = field(default_factory=time.time)
    last_seen: float = field(default_factory=time.monotonic)
    state: str = "joining"             # joining -> probing -> idle -> loading -> ready -> gone
    capability: dict | None = None
    layer_ms: float = 0.0              # measured time of one layer-step (probe, then real steps)
    memory_bytes: int = 0
    assignment: int = 0                # epoch of the assignment it runs
    range: tuple[str, str] | None = None
    range_cost: float = 0.0            # layer-equivalents of its range
    slots: int = 0
    pipeline: int | None = None
    load_progress: tuple[float, float] = (0.0, 0.0)
    outstanding: deque = field(default_factory=deque)
    next_step: int = 1
    steps: int = 0
    busy_ms: float = 0.0
    bytes_in: int = 0
    rows_in: int = 0                   # result rows: activations or sampled ids, one per token row
    bytes_out: int = 0
    evicted: str | None = None
    ready_event: asyncio.Event = field(default_factory=asyncio.Event)
    _frames: deque = field(default_factory=deque)
    _send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def count_frame(self) -> None:
        """Flood control: raise ProtocolError past FLOOD_MESSAGES frames in FLOOD_WINDOW_S seconds."""
        now = time.monotonic()
        self.last_seen = now
        self._frames.append(now)
        while self._frames and now - self._frames[0] > FLOOD_WINDOW_S:
            self._frames.popleft()
        if len(self._frames) > FLOOD_MESSAGES:
            raise ProtocolError(f"more than {FLOOD_MESSAGES} messages in {FLOOD_WINDOW_S:.0f} s (flood)")

    async def send_bytes(self, data: bytes) -> None:
        async with self._send_lock:
            self.bytes_out += len(data)
            await self.ws.send_bytes(data)

    async def send_json(self, msg: dict) -> None:
        async with self._send_lock:
            await self.ws.send_json(msg)

    def expect(self, step_id: int, expect: Expect, rows: int) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self.outstanding.append(Pending(step_id, expect, fut, time.monotonic(), rows))
        return fut

    def take_result(self, blob: bytes, vocab: int) -> Result:
        """Match a RESULT frame to the oldest step in flight and check it; ProtocolError when it does not fit."""
        if len(blob) < RESULT_HEAD.size:
            raise ProtocolError(f"binary frame of {len(blob)} bytes is too short for a result")
        if not self.outstanding:
            raise ProtocolError("a result arrived for no step in flight")
        p: Pending = self.outstanding[0]
        _, assignment, step_id, _ = RESULT_HEAD.unpack_from(blob)
        if assignment != self.assignment:
            raise ProtocolError(f"result for assignment {assignment}, the worker runs assignment {self.assignment}")
        if step_id != p.step_id:
            raise ProtocolError(f"result for step {step_id} while step {p.step_id} is the oldest in flight "
                                f"(out of order)")
        result = parse_result(blob, rows=p.expect.rows, width=p.expect.width, dtype=p.expect.dtype, vocab=vocab)
        self.outstanding.popleft()
        self.bytes_in += len(blob)
        self.rows_in += p.expect.rows
        self.steps += 1
        self.busy_ms += result.compute_ms
        if p.rows <= 4 and self.range_cost > 0:   # decode-like steps measure the per-layer time
            sample = result.compute_ms / self.range_cost
            self.layer_ms = sample if self.layer_ms <= 0 else (1 - EMA) * self.layer_ms + EMA * sample
        if not p.fut.done():
            p.fut.set_result(result)
        return result

    def fail_outstanding(self, reason: str) -> None:
        while self.outstanding:
            p = self.outstanding.popleft()
            if not p.fut.done():
                p.fut.set_exception(PipelineBroken(f"worker {self.id}: {reason}"))

    def oldest_age(self) -> float:
        return time.monotonic() - self.outstanding[0].sent if self.outstanding else 0.0

    def summary(self) -> dict:
        cap = self.capability or {}
        return {
            "id": self.id, "kind": self.kind, "name": self.name, "state": self.state,
            "adapter": cap.get("adapter", {}), "variant": cap.get("variant"), "features": cap.get("features", []),
            "layer_ms": round(self.layer_ms, 3), "memory_bytes": self.memory_bytes,
            "range": list(self.range) if self.range else None, "pipeline": self.pipeline, "slots": self.slots,
            "loading": {"loaded": self.load_progress[0], "total": self.load_progress[1]},
            "steps": self.steps, "busy_ms": round(self.busy_ms, 1), "bytes_in": self.bytes_in,
            "rows_in": self.rows_in,
            "bytes_out": self.bytes_out, "joined_s": round(time.time() - self.joined, 1),
        }
