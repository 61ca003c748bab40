"""Spot checks of untrusted workers: the coordinator re-runs a stage's step natively and compares.

pipeline.run_step (a fraction of steps, before their result goes on) -> **Verifier.check** -> a native stage of the
units embed..(the checked stage's last unit), loaded on first use on this process's adapter, runs the checked row's
whole history (the pipeline keeps every slot's tokens) as one fresh prefill, and its last row must match the
worker's: activations within a relative L2 tolerance, sampled ids exactly (sampling is seeded per output, so a
draw is reproducible). A mismatch evicts the worker before its output reaches the next stage, and the step is
replayed elsewhere. Unchecked steps are not covered: a worker that corrupts a fraction c of its steps goes
unnoticed for about 1 / (c * fraction) steps. GPU work runs on one thread of its own, never on the event loop.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from compiler.native.batch import Output, Row, Step


class Verifier:
    def __init__(self, artifact: Path, tolerance: float = 1e-3):
        self.artifact = Path(artifact)
        self.tolerance = tolerance
        self._stages: dict[str, object] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webshard-verify")
        self.checked = 0
        self.failed = 0
        self.seconds = 0.0

    async def check(self, history: list[int], row: Row, output: Output | None, last_unit: str,
                    got: np.ndarray, ids: bool) -> str | None:
        """None when the worker's value for `row` matches a native re-run of units embed..last_unit on
        history[:row.pos + 1]; else why not. With `output` the value is that output's (logits, or its sampled id
        when `ids`), else the row's activations."""
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        try:
            want = await loop.run_in_executor(self._pool, self._run, history[:row.pos + 1], output, last_unit)
        finally:
            self.seconds += loop.time() - t0
        self.checked += 1
        if ids:
            ok = int(got) == int(want)
            why = None if ok else f"sampled {int(got)} where a native re-run samples {int(want)}"
        else:
            err = float(np.linalg.norm(got - want) / (np.linalg.norm(want) + 1e-12))
            why = None if err <= self.tolerance else f"activations differ by {err:.2e} (tolerance {self.tolerance:g})"
        self.failed += why is not None
        return why

    def _stage(self, last_unit: str):
        from compiler.native.stage import Stage

        if last_unit not in self._stages:
            self._stages[last_unit] = Stage.load(self.artifact, None, last_unit, slots=1)
        return self._stages[last_unit]

    def _run(self, tokens: list[int], output: Output | None, last_unit: str):
        stage = self._stage(last_unit)
        rows_max = stage.ws.max_rows
        out = None
        for c0 in range(0, len(tokens), rows_max):
            chunk = tokens[c0:c0 + rows_max]
            rows = [Row(0, c0 + i, token=t) for i, t in enumerate(chunk)]
            last = c0 + rows_max >= len(tokens)
            outs = [Output(len(rows) - 1, output.sampling, output.step)] if last and output is not None else []
            out = stage.run(Step(rows, outs))
        return out[0] if output is not None else out[-1]

    def summary(self) -> dict:
        return {"checked": self.checked, "failed": self.failed, "seconds": round(self.seconds, 3)}

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
