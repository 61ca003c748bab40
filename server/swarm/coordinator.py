"""The coordinator: admits workers, plans which layers each runs, keeps pipelines serving, and recovers.

worker WebSocket (/ws/worker, routes.py) -> **Coordinator** -> planner.py (who runs what) -> pipeline.py (steps) ->
the swarm backend (backend.py), whose engines drive the pipelines for the OpenAI API.

Life of a worker: `hello` with the join token -> `welcome` -> it measures itself (one layer, real allocations) ->
`capability` -> the coordinator re-plans: workers whose range changes get `assign`, load only their shards, send
`progress` and `ready` -> steps. Re-planning happens when a worker joins, leaves or is evicted, and when a stage
becomes a straggler (its measured time past `straggler` x the mean, and a new plan at least 20% faster). Every
re-plan pauses the pipelines at a step boundary, reloads what moved, and hands every unfinished sequence to the new
pipelines, which feed it again from its history: requests continue with exactly their undisturbed tokens.
"""
from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
import time
from collections import deque
from pathlib import Path

from compiler.artifact import read_manifest
from server.swarm.pipeline import SwarmPipeline
from server.swarm.planner import WorkerSpec, plan, throughput, tied_overlaps, unit_costs
from server.swarm.protocol import PROTOCOL, ProtocolError, parse_text
from server.swarm.workers import WorkerConn

log = logging.getLogger("webshard.swarm")
HELLO_TIMEOUT_S = 10.0
LOAD_TIMEOUT_S = 600.0


class Coordinator:
    def __init__(self, artifact: Path, *, token: str, slots: int = 4, verify_fraction: float = 0.0,
                 tolerance: float = 1e-3, hop_ms: float = 2.0, heartbeat_s: float = 2.0,
                 step_timeout_s: float = 120.0, straggler: float = 1.5, replan_every_s: float = 3.0,
                 wire: str = "f32", origins: tuple[str, ...] = (), slack: float = 0.1):
        if not token:
            raise ValueError("the swarm needs a join token")
        self.artifact = Path(artifact)
        self.manifest = read_manifest(self.artifact)
        self.model_id = self.manifest["model"]["id"]
        self.token = token.encode()
        self.slots = slots
        self.verify_fraction = verify_fraction
        self.hop_ms, self.heartbeat_s, self.step_timeout_s = hop_ms, heartbeat_s, step_timeout_s
        self.straggler, self.replan_every_s, self.wire, self.slack = straggler, replan_every_s, wire, slack
        self.origins = tuple(origins)
        self.units = unit_costs(self.manifest)
        self.shared = tied_overlaps(self.manifest)
        self.unit_index = {u.name: i for i, u in enumerate(self.units)}
        self.roles = {u["name"]: u["role"] for u in self.manifest["plan"]["units"]}
        self.workers: dict[str, WorkerConn] = {}
        self.pipelines: list[SwarmPipeline] = []
        self.epoch = 0
        self.events: deque = deque(maxlen=300)
        self.series: deque = deque(maxlen=600)
        self.recoveries: list[float] = []
        self.tokens = 0                # sampled by every pipeline so far (the dashboard's tokens/s)
        self._tokens_seen = (0.0, 0)   # (time, tokens) of the last series point
        self.backend = None            # the SwarmBackend, which owns the engines (set by it)
        self.verifier = None
        if verify_fraction > 0:
            from server.swarm.verifier import Verifier

            self.verifier = Verifier(self.artifact, tolerance)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ids = itertools.count(1)
        self._plan_lock: asyncio.Lock | None = None
        self._replan_pending = False
        self._broken_at: float | None = None
        self._last_plan = 0.0
        self._monitor: asyncio.Task | None = None
        self.started = time.monotonic()

    # ------------------------------------------------------------ lifecycle
    def ensure_started(self) -> None:
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
            self._plan_lock = asyncio.Lock()
            self._monitor = self.loop.create_task(self._monitor_loop())

    def close(self) -> None:
        if self._monitor is not None:
            self._monitor.cancel()
        if self.verifier is not None:
            self.verifier.close()

    def event(self, kind: str, worker: str | None, detail: str) -> None:
        self.events.append({"t": round(time.monotonic() - self.started, 3), "kind": kind, "worker": worker,
                            "detail": detail})
        (log.warning if kind in ("evict",) else log.info)("swarm %s %s: %s", kind, worker or "", detail)

    @property
    def ready(self) -> bool:
        return any(p.ready for p in self.pipelines)

    @property
    def serving(self) -> bool:
        """Ready, or re-planning pipelines that were serving: a request that arrives during a re-plan waits for the
        new pipelines (parked in the backend, as the requests in flight are) instead of being refused."""
        replanning = self._replan_pending or (self._plan_lock is not None and self._plan_lock.locked())
        return self.ready or bool(self.pipelines) and replanning

    # ------------------------------------------------------------ a worker's connection
    def origin_allowed(self, origin: str, host: str) -> bool:
        """A tab may join from the server's own pages or from an origin given with --worker-origin; a native
        worker sends no Origin. (Browsers always send Origin on WebSocket handshakes.)"""
        same = origin.rstrip("/") in (f"http://{host}", f"https://{host}")
        return same or origin.rstrip("/") in self.origins

    async def serve(self, ws) -> None:
        from starlette.websockets import WebSocketDisconnect

        self.ensure_started()
        origin = ws.headers.get("origin")
        if origin is not None and not self.origin_allowed(origin, ws.headers.get("host", "")):
            await ws.close(code=4403, reason="origin not allowed")
            self.event("refuse", None, f"origin {origin!r} not allowed")
            return
        await ws.accept()
        try:
            hello = parse_text(await asyncio.wait_for(ws.receive_text(), HELLO_TIMEOUT_S))
            if hello["type"] != "hello":
                raise ProtocolError(f"expected hello, got {hello['type']}")
            if hello["protocol"] != PROTOCOL:
                raise ProtocolError(f"protocol {hello['protocol']} is not {PROTOCOL}")
        except (asyncio.TimeoutError, ProtocolError, WebSocketDisconnect, KeyError, RuntimeError) as e:
            self.event("refuse", None, f"no valid hello ({e})")
            await _close(ws, 4400, "send hello first")
            return
        if not hmac.compare_digest(hello["token"].encode(), self.token):
            self.event("refuse", None, "wrong join token")
            await _send(ws, {"type": "refused", "reason": "wrong join token"})
            await _close(ws, 4401, "wrong join token")
            return
        conn = WorkerConn(f"w{next(self._ids)}", ws, hello["kind"] if hello["kind"] in ("browser", "native") else "?",
                          str(hello.get("name", ""))[:80], origin or "")
        self.workers[conn.id] = conn
        first_layer = next(u["name"] for u in self.manifest["plan"]["units"] if u["role"] == "layer")
        await conn.send_json({"type": "welcome", "protocol": PROTOCOL, "worker_id": conn.id,
                              "model": {"id": self.model_id, "base": f"/artifacts/{self.artifact.name}/"},
                              "heartbeat_s": self.heartbeat_s, "probe": {"unit": first_layer, "steps": 5}})
        conn.state = "probing"
        self.event("join", conn.id, f"{conn.kind} worker {conn.name!r}")
        try:
            while conn.state != "gone":
                msg = await ws.receive()
                if msg["type"] == "websocket.disconnect":
                    break
                conn.count_frame()
                if msg.get("bytes") is not None:
                    conn.take_result(msg["bytes"], self.manifest["model"]["config"]["vocab_size"])
                elif msg.get("text") is not None:
                    await self.on_text(conn, parse_text(msg["text"]))
        except ProtocolError as e:
            await self.evict(conn, str(e))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            if conn.state != "gone":
                await self.drop(conn, "disconnected")

    async def on_text(self, conn: WorkerConn, msg: dict) -> None:
        kind = msg["type"]
        if kind == "heartbeat":
            return
        if kind == "capability":
            if conn.state != "probing":
                raise ProtocolError(f"capability while {conn.state}")
            if msg["layer_ms"] <= 0:
                raise ProtocolError("capability.layer_ms must be positive")
            conn.capability = msg
            conn.layer_ms = float(msg["layer_ms"])
            conn.memory_bytes = int(msg["memory_bytes"])
            conn.state = "idle"
            self.event("capability", conn.id, f"{msg['variant']} kernels, {conn.layer_ms:.2f} ms/layer, "
                                              f"{conn.memory_bytes / 2**20:.0f} MiB")
            self.schedule_replan(f"{conn.id} joined")
        elif kind == "progress":
            if msg["assignment"] == conn.assignment:
                conn.load_progress = (float(msg["loaded"]), float(msg["total"]))
        elif kind == "ready":
            if conn.state != "loading" or msg["assignment"] != conn.assignment:
                raise ProtocolError(f"ready for assignment {msg['assignment']} while {conn.state} "
                                    f"assignment {conn.assignment}")
            conn.state = "ready"
            conn.ready_event.set()
        elif kind == "leave":
            await self.drop(conn, "left")
        elif kind == "error":
            await self.evict(conn, f"reported an error: {msg['message'][:200]}")
        else:
            raise ProtocolError(f"{kind} is not sent by workers")

    async def evict(self, conn: WorkerConn, reason: str) -> None:
        await self.drop(conn, reason, evicted=True)

    async def drop(self, conn: WorkerConn, reason: str, evicted: bool = False) -> None:
        if conn.state == "gone":
            return
        conn.state = "gone"
        conn.evicted = reason if evicted else None
        conn.fail_outstanding(reason)
        conn.ready_event.set()   # a replan waiting for it stops waiting
        self.workers.pop(conn.id, None)
        self.event("evict" if evicted else "leave", conn.id, reason)
        if evicted:
            await _send(conn.ws, {"type": "evicted", "reason": reason})
        await _close(conn.ws, 4000 if evicted else 1000, reason[:120])
        if conn.pipeline is not None:
            for p in self.pipelines:
                if p.index == conn.pipeline and p.ready:
                    p.ready = False
                    self._broken_at = self._broken_at or time.monotonic()
        self.schedule_replan(f"{conn.id} {'evicted' if evicted else 'gone'}: {reason}")

    # ------------------------------------------------------------ planning
    def schedule_replan(self, reason: str) -> None:
        self.ensure_started()
        if not self._replan_pending:
            self._replan_pending = True
            self.loop.create_task(self.replan(reason))

    async def replan(self, reason: str) -> None:
        async with self._plan_lock:
            self._replan_pending = False
            await asyncio.sleep(0.05)   # workers that join together are planned together
            for p in self.pipelines:
                p.ready = False
            deadline = time.monotonic() + self.step_timeout_s
            while any(p.active for p in self.pipelines) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)   # in-flight steps finish (their results stay valid) or fail
            candidates = [w for w in self.workers.values() if w.state in ("idle", "loading", "ready")]
            specs = [WorkerSpec(w.id, w.layer_ms, w.memory_bytes) for w in candidates]
            new = plan(self.units, specs, slots=self.slots, hop_ms=self.hop_ms, shared=self.shared, slack=self.slack)
            self.epoch += 1
            self._last_plan = time.monotonic()
            placed = {s.worker: (i, s) for i, p in enumerate(new.pipelines) for s in p.stages}
            loading = []
            for w in candidates:
                if w.id not in placed:
                    if w.range is not None:
                        w.range, w.pipeline, w.state = None, None, "idle"
                        await _send(w.ws, {"type": "assign", "assignment": w.assignment + 1, "first": None,
                                           "last": None, "slots": 0, "wire": self.wire})
                        w.assignment += 1
                    continue
                i, s = placed[w.id]
                rng = (self.units[s.first].name, self.units[s.last].name)
                w.pipeline = i
                w.range_cost = sum(u.cost for u in self.units[s.first:s.last + 1])
                if w.range == rng and w.slots == self.slots and w.state == "ready":
                    continue   # same layers: it keeps its weights (its caches are refilled by the replay)
                w.assignment += 1
                w.range, w.slots, w.state = rng, self.slots, "loading"
                w.ready_event.clear()
                w.load_progress = (0.0, 0.0)
                loading.append(w)
                await w.send_json({"type": "assign", "assignment": w.assignment, "first": rng[0], "last": rng[1],
                                   "slots": self.slots, "wire": self.wire})
            if loading:
                await asyncio.wait([asyncio.create_task(w.ready_event.wait()) for w in loading],
                                   timeout=LOAD_TIMEOUT_S)
            failed = [w for w in loading if w.state != "ready"]
            for w in failed:
                if w.state != "gone":
                    await self.evict(w, f"not ready {LOAD_TIMEOUT_S:.0f} s after its assignment")
            if failed:
                return   # evict() scheduled another plan without them
            pipes = [SwarmPipeline(self, i, [(self.workers[s.worker], self.units[s.first].name,
                                              self.units[s.last].name) for s in p.stages], self.slots)
                     for i, p in enumerate(new.pipelines)]
            for p in pipes:
                p.ready = True
            moved = await self.backend.regroup(pipes) if self.backend is not None else 0
            self.pipelines = pipes
            layout = "; ".join(" | ".join(f"{w.id}:{a}..{b}" for w, a, b in p.stages) for p in pipes) or "none"
            self.event("plan", None, f"epoch {self.epoch} ({reason}): {layout}")
            if moved:
                self.event("replay", None, f"{moved} unfinished sequence{'s' * (moved != 1)} moved to the new "
                                           "pipelines, each fed again from its history")
            if self._broken_at is not None and pipes:
                took = time.monotonic() - self._broken_at
                self.recoveries.append(took)
                self._broken_at = None
                self.event("recovered", None, f"serving again {took:.2f} s after the loss")

    def imbalance(self) -> tuple[float, float]:
        """(max stage time / mean, bottleneck ms) of the current pipelines, from measured speeds."""
        worst, ratio = 0.0, 1.0
        for p in self.pipelines:
            ms = [w.layer_ms * w.range_cost + self.hop_ms for w, _, _ in p.stages]
            if ms:
                worst = max(worst, max(ms))
                ratio = max(ratio, max(ms) / (sum(ms) / len(ms)))
        return ratio, worst

    def throughput_now(self) -> float:
        return throughput([max(w.layer_ms * w.range_cost + self.hop_ms for w, _, _ in p.stages)
                           for p in self.pipelines if p.stages])

    async def _monitor_loop(self) -> None:
        """Heartbeats, stragglers, and the dashboard's time series, once a second."""
        while True:
            await asyncio.sleep(1.0)
            try:
                await self._monitor_once()
            except Exception:  # noqa: BLE001 - the monitor must outlive any one bad tick
                log.exception("swarm monitor tick failed")

    async def _monitor_once(self) -> None:
        if True:
            now = time.monotonic()
            for w in list(self.workers.values()):
                if now - w.last_seen > 5 * self.heartbeat_s:
                    await self.evict(w, f"no message for {now - w.last_seen:.0f} s (heartbeat every "
                                        f"{self.heartbeat_s:g} s)")
            ratio, worst = self.imbalance()
            t, (t_prev, tokens_prev) = now - self.started, self._tokens_seen
            tok_s = (self.tokens - tokens_prev) / (t - t_prev) if t > t_prev else 0.0
            self._tokens_seen = (t, self.tokens)
            self.series.append({"t": round(t, 2), "imbalance": round(ratio, 3), "tokens": self.tokens,
                                "tok_s": round(tok_s, 3), "pipelines": [p.summary() for p in self.pipelines]})
            if (self.ready and ratio > self.straggler and now - self._last_plan > self.replan_every_s
                    and not self._replan_pending):
                specs = [WorkerSpec(w.id, w.layer_ms, w.memory_bytes) for w in self.workers.values()
                         if w.state in ("idle", "ready")]
                better = plan(self.units, specs, slots=self.slots, hop_ms=self.hop_ms, shared=self.shared,
                              slack=self.slack)
                gain = throughput([p.bottleneck_ms for p in better.pipelines]) / max(self.throughput_now(), 1e-9)
                if gain > 1.25:
                    self.schedule_replan(f"straggler: stage imbalance {ratio:.2f}, a new plan gives "
                                         f"{gain:.2f}x the throughput")

    # ------------------------------------------------------------ verification
    async def verify(self, pipe: SwarmPipeline, stage: int, step, result) -> None:
        """Re-run one row of a stage's result natively; evict the worker (PipelineBroken) when it disagrees."""
        from server.swarm.workers import PipelineBroken

        worker, _, last = pipe.stages[stage]
        role = self.roles[last]
        if role in ("sample", "head"):
            if not step.outputs:
                return
            o = pipe.rng.randrange(len(step.outputs))
            output, row = step.outputs[o], step.rows[step.outputs[o].row]
            got = result.values.reshape(-1)[o] if role == "sample" else result.values[o]
        else:
            r = pipe.rng.randrange(len(step.rows))
            output, row, got = None, step.rows[r], result.values[r]
        why = await self.verifier.check(pipe.history[row.slot], row, output, last, got, ids=role == "sample")
        if why is not None:
            await self.evict(worker, f"verification failed: {why}")
            raise PipelineBroken(f"worker {worker.id} failed verification")

    # ------------------------------------------------------------ state for /v1/swarm
    def status(self) -> dict:
        window = 10.0
        busy, n = 0.0, 0
        now = time.monotonic()
        timeline = []
        for p in self.pipelines:
            recent = [(w, a, b) for w, a, b in p.timeline if (now - p.started) - b < window]
            busy += sum(b - max(a, (now - p.started) - window) for _, a, b in recent)
            n += len(p.stages)
            timeline += [{"pipeline": p.index, "worker": w, "start": round(a, 4), "end": round(b, 4)}
                         for w, a, b in list(p.timeline)[-120:]]
        ratio, worst = self.imbalance()
        v = self.verifier.summary() if self.verifier else {"checked": 0, "failed": 0, "seconds": 0.0}
        return {
            "protocol": PROTOCOL, "model": self.model_id, "ready": self.ready, "epoch": self.epoch,
            "t": round(now - self.started, 3), "tokens": self.tokens,
            "slots_per_pipeline": self.slots, "wire": self.wire,
            "units": [{"name": u.name, "cost": round(u.cost, 3)} for u in self.units],
            "workers": [w.summary() for w in self.workers.values()],
            "pipelines": [p.summary() for p in self.pipelines],
            "imbalance": round(ratio, 3), "bottleneck_ms": round(worst, 2),
            "bubble_fraction": round(1 - busy / (n * window), 3) if n else None,
            "verify": v | {"fraction": self.verify_fraction},
            "recoveries_s": [round(r, 3) for r in self.recoveries],
            "timeline": timeline,
            "series": list(self.series)[-120:],
            "events": list(self.events)[-100:],
        }


async def _send(ws, msg: dict) -> None:
    try:
        await ws.send_json(msg)
    except Exception:  # noqa: BLE001 - the socket may be closed already
        pass


async def _close(ws, code: int, reason: str) -> None:
    try:
        await ws.close(code=code, reason=reason)
    except Exception:  # noqa: BLE001 - closed already
        pass
