"""The GPU thread of the native backend: one thread owns every model's stages and runs their generation loops.

server/backend.py (one coroutine per HTTP request) -> **GpuLoop** (jobs in through a queue, token ids out through
each request's asyncio.Queue) -> compiler/native/engine.py (continuous batching) -> stages on the GPU.

Requests join at step boundaries: every loop turn first takes what arrived (new jobs, cancellations), then runs one
step of each busy engine. A job whose client left is cancelled at the next step, so its slot is free one step later.
Nothing here blocks the event loop: the thread talks to it only through call_soon_threadsafe.
"""
from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from compiler.native.engine import Engine, Sequence

log = logging.getLogger("webshard.server")


@dataclass(eq=False)
class Job:
    """One request's sequence on one engine, and where its tokens go (called on the GPU thread)."""

    model_id: str
    seq: Sequence
    emit: Callable[[Any], None]      # token id (int), ("end", finish), or an exception
    reported: bool = False           # the end (or an error) was emitted
    steps_after_cancel: int = field(default=0)


class GpuLoop:
    """A thread running the engines of `engines` (model id -> Engine) as jobs arrive."""

    def __init__(self, name: str = "webshard-gpu") -> None:
        self.engines: dict[str, Engine] = {}
        self._inbox: queue.Queue = queue.Queue()
        self._jobs: dict[int, Job] = {}   # id(seq) -> job
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # -- called from other threads
    def call(self, fn: Callable[[], Any]) -> Any:
        """Run fn on the GPU thread (loading models: their device objects stay with the thread that uses them)."""
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

    # -- the GPU thread
    def _run(self) -> None:
        while True:
            busy = any(not e.idle for e in self.engines.values())
            try:
                msg = self._inbox.get(block=not busy)
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
            for model_id, engine in self.engines.items():
                if engine.idle:
                    continue
                try:
                    events = engine.step()
                except Exception as e:  # noqa: BLE001 - a failed step ends its sequences, not the server
                    log.exception("a step of model %r failed", model_id)
                    self._report_errors(engine, e)
                    continue
                for seq, token in events:
                    job = self._jobs.get(id(seq))
                    if job is not None and not job.reported:
                        job.emit(token)
                self._report_finished(engine)

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
            try:
                self.engines[job.model_id].add(job.seq)
            except Exception as e:  # noqa: BLE001 - bad input reaches the request as its exception
                job.reported = True
                job.emit(e)
                return
            self._jobs[id(job.seq)] = job
        elif kind == "cancel":
            job = msg[1]
            job.reported = True   # nobody listens any more
            engine = self.engines.get(job.model_id)
            if engine is not None and job.seq.finish is None:
                engine.cancel(job.seq)
            self._forget_done()

    def _report_finished(self, engine: Engine) -> None:
        for key, job in list(self._jobs.items()):
            seq = job.seq
            if seq.finish is not None and not job.reported:
                job.reported = True
                job.emit(("end", seq.finish))
        self._forget_done()

    def _report_errors(self, engine: Engine, error: Exception) -> None:
        for job in self._jobs.values():
            if job.seq.finish == "error" and not job.reported:
                job.reported = True
                job.emit(error)
        self._forget_done()

    def _forget_done(self) -> None:
        for key, job in list(self._jobs.items()):
            if job.reported and job.seq.done:
                del self._jobs[key]

    def _fail_all(self, error: Exception) -> None:
        for job in self._jobs.values():
            if not job.reported:
                job.reported = True
                job.emit(error)
