"""The thread that runs the generation loops: one thread owns every engine and steps them as jobs arrive.

server/backend.py (one coroutine per HTTP request) -> **GpuLoop** (jobs in through a queue, token ids out through
each request's asyncio.Queue) -> compiler/native/engine.py (continuous batching) -> a runner (stages on this
process's GPU, or a swarm pipeline).

Engines belong to groups (a model id): a job names its group, and joins the least loaded engine of it. The native
backend has one engine per model; the swarm has one per pipeline, and when its pipelines change, `regroup` moves
every unfinished sequence to the new engines, which feed them again from their history. A group with no engine
parks its sequences until one appears.

Requests join at step boundaries: every loop turn first takes what arrived (new jobs, cancellations), then runs one
step of each busy engine. A job whose client left is cancelled at the next step, so its slot is free one step later.
Nothing here blocks the event loop: the thread talks to it only through call_soon_threadsafe.
"""
from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable

from compiler.native.engine import Engine, Sequence

log = logging.getLogger("webshard.server")
IDLE_WAIT_S = 0.05   # how long the thread waits for news while every busy engine waits for its runner


@dataclass(eq=False)
class Job:
    """One request's sequence, and where its tokens go (emit is called on the GPU thread)."""

    group: str
    seq: Sequence
    emit: Callable[[Any], None]      # token id (int), ("end", finish), or an exception
    engine: str | None = None        # the engine key it runs on (set when it joins one)
    reported: bool = False           # the end (or an error) was emitted


class GpuLoop:
    """A thread running engines (key -> Engine) in groups (group -> [keys]) as jobs arrive."""

    def __init__(self, name: str = "webshard-gpu") -> None:
        self.engines: dict[str, Engine] = {}
        self.groups: dict[str, list[str]] = {}
        self.parked: dict[str, list[Sequence]] = {}
        self._inbox: queue.Queue = queue.Queue()
        self._jobs: dict[int, Job] = {}   # id(seq) -> job
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # -- called from other threads
    def call(self, fn: Callable[[], Any]) -> Any:
        """Run fn on the loop's thread (loading models: their device objects stay with the thread that uses them)."""
        fut: Future = Future()
        self._inbox.put(("call", fn, fut))
        return fut.result()

    def add(self, job: Job) -> None:
        self._inbox.put(("add", job))

    def cancel(self, job: Job) -> None:
        self._inbox.put(("cancel", job))

    def close(self) -> None:
        if not self._stopped.is_set():
            self._stopped.set()
            self._inbox.put(("stop",))
            self._thread.join(timeout=10)

    @property
    def thread_name(self) -> str:
        return self._thread.name

    # -- on the loop's thread (through call, or inside it)
    def set_engine(self, group: str, key: str, engine: Engine) -> None:
        self.engines[key] = engine
        self.groups.setdefault(group, []).append(key)
        self._unpark(group)

    def regroup(self, group: str, engines: dict[str, Engine]) -> int:
        """Replace the engines of `group`; their unfinished sequences move to the new ones (fed again from their
        history) or are parked when there is none. Returns the number of sequences moved."""
        moved: list[Sequence] = list(self.parked.pop(group, []))
        for key in self.groups.get(group, []):
            moved += self.engines.pop(key).take_back()
        self.groups[group] = []
        for key, engine in engines.items():
            self.engines[key] = engine
            self.groups[group].append(key)
        self.parked[group] = [s for s in moved if not self._drop_cancelled(s)]
        self._unpark(group)
        return len(moved)

    def load(self, group: str) -> int:
        """Sequences running or waiting in a group (requests on their way in are not counted)."""
        return sum(len(self.engines[k].running) + len(self.engines[k].waiting) for k in self.groups.get(group, [])) \
            + len(self.parked.get(group, []))

    def _least_loaded(self, group: str) -> str | None:
        """The engine a new sequence joins: fewest sequences, weighted by how long its steps take (a swarm pipeline
        reports `step_ms`), so a faster replica takes more of the load."""
        keys = self.groups.get(group) or []

        def cost(k: str) -> float:
            e = self.engines[k]
            return (len(e.running) + len(e.waiting) + 1) * getattr(e.runner, "step_ms", 1.0)

        return min(keys, key=cost, default=None)

    def _unpark(self, group: str) -> None:
        for seq in self.parked.pop(group, []):
            key = self._least_loaded(group)
            if key is None:
                self.parked.setdefault(group, []).append(seq)
                continue
            if seq.t_added == 0.0:   # parked on arrival: it has never been in an engine
                self.engines[key].add(seq)
            else:
                self.engines[key].adopt(seq)
            job = self._jobs.get(id(seq))
            if job is not None:
                job.engine = key

    def _drop_cancelled(self, seq: Sequence) -> bool:
        if seq.cancelled:
            seq.finish = "cancelled"
            return True
        return False

    # -- the loop
    def _run(self) -> None:
        while True:
            busy = any(not e.idle and not e.blocked for e in self.engines.values())
            waiting = any(not e.idle for e in self.engines.values())
            try:
                msg = self._inbox.get(block=not busy, timeout=IDLE_WAIT_S if waiting and not busy else None)
            except queue.Empty:
                msg = None
            while msg is not None:
                if msg[0] == "stop":
                    self._fail_all(RuntimeError("the server is shutting down"))
                    return
                self._handle(msg)
                try:
                    msg = self._inbox.get_nowait()
                except queue.Empty:
                    msg = None
            for key, engine in list(self.engines.items()):
                if engine.idle or engine.blocked:
                    continue
                try:
                    events = engine.step()
                except Exception as e:  # noqa: BLE001 - a failed step ends its sequences, not the server
                    log.exception("a step of engine %r failed", key)
                    self._report_errors(e)
                    continue
                for seq, token in events:
                    job = self._jobs.get(id(seq))
                    if job is not None and not job.reported:
                        job.emit(token)
                self._report_finished()

    def _handle(self, msg: tuple) -> None:
        kind = msg[0]
        if kind == "call":
            _, fn, fut = msg
            try:
                fut.set_result(fn())
            except BaseException as e:  # noqa: BLE001 - handed to the caller
                fut.set_exception(e)
        elif kind == "add":
            job = msg[1]
            key = self._least_loaded(job.group)
            try:
                if key is None:
                    if job.group not in self.groups:
                        raise KeyError(f"no engine serves {job.group!r}")
                    # The group exists but has no engine now (a swarm being re-planned): wait in the parking lot.
                    self.parked.setdefault(job.group, []).append(job.seq)
                else:
                    self.engines[key].add(job.seq)
            except Exception as e:  # noqa: BLE001 - bad input reaches the request as its exception
                job.reported = True
                job.emit(e)
                return
            job.engine = key
            self._jobs[id(job.seq)] = job
        elif kind == "cancel":
            job = msg[1]
            job.reported = True   # nobody listens any more
            engine = self.engines.get(job.engine) if job.engine else None
            if engine is not None and job.seq.finish is None:
                engine.cancel(job.seq)
            elif job.seq in self.parked.get(job.group, []):
                self.parked[job.group].remove(job.seq)
                job.seq.finish = "cancelled"
            self._forget_done()

    def _report_finished(self) -> None:
        for job in list(self._jobs.values()):
            if job.seq.finish is not None and not job.reported:
                job.reported = True
                job.emit(("end", job.seq.finish))
        self._forget_done()

    def _report_errors(self, error: Exception) -> None:
        for job in self._jobs.values():
            if job.seq.finish == "error" and not job.reported:
                job.reported = True
                job.emit(error)
        self._forget_done()

    def _forget_done(self) -> None:
        for key, job in list(self._jobs.items()):
            if job.reported and (job.seq.done or job.seq.finish == "cancelled"):
                del self._jobs[key]

    def _fail_all(self, error: Exception) -> None:
        for job in self._jobs.values():
            if not job.reported:
                job.reported = True
                job.emit(error)
