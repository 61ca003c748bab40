"""One step of a stage: which rows it runs (sequence slot, position, token) and which of them sample an output.

engine.py plans steps -> **Step** -> packed here into the `ctl` words and `params` uniform the kernels read
(layout from the manifest's `params`, written by compiler/kernels.py) -> stage.py uploads them. No wgpu here: the
swarm coordinator describes remote steps with the same types. runtime_js/batch.js is the JS twin.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

import numpy as np

from ..kernels import SAMPLING_DEFAULTS


@dataclass(frozen=True)
class Sampling:
    """How one output picks its token: greedy when temperature is 0, else temperature -> top-k -> top-p -> a
    draw seeded by (seed, step). Defaults are the manifest's params.defaults (compiler/kernels.py)."""

    temperature: float = SAMPLING_DEFAULTS["temperature"]   # 0 = greedy
    top_k: int = SAMPLING_DEFAULTS["top_k"]                 # 0 = off
    top_p: float = SAMPLING_DEFAULTS["top_p"]               # 1 = off
    seed: int = SAMPLING_DEFAULTS["seed"]

    def __post_init__(self):
        if not isinstance(self.temperature, (int, float)) or not math.isfinite(self.temperature) or self.temperature < 0:
            raise ValueError(f"temperature must be a finite number >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if not isinstance(self.top_k, int) or self.top_k < 0:
            raise ValueError(f"top_k must be an integer >= 0, got {self.top_k}")
        if not isinstance(self.seed, int):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")


@dataclass(frozen=True)
class Row:
    """One token of one sequence: its KV-cache slot, its position, and its token id. `src` instead of `token`
    means "the id that output `src` of the previous step sampled", read on the GPU (decode lookahead)."""

    slot: int
    pos: int
    token: int | None = None
    src: int | None = None


@dataclass(frozen=True)
class Output:
    """A row whose logits are kept and sampled, with its sequence's settings and decode step (the RNG stream)."""

    row: int
    sampling: Sampling = Sampling()
    step: int = 0


@dataclass
class Step:
    rows: list[Row]
    outputs: list[Output] = field(default_factory=list)

    def check(self, *, max_rows: int, max_outputs: int, slots: int, context: int, vocab: int,
              needs_tokens: bool = True) -> None:
        """Raise ValueError naming the first row or output this stage cannot run. A stage that does not start
        with embed takes activations, so its rows need no token."""
        if not self.rows:
            raise ValueError("a step needs at least one row")
        if len(self.rows) > max_rows:
            raise ValueError(f"{len(self.rows)} rows in one step, the artifact allows {max_rows} (max_tokens_per_step)")
        if len(self.outputs) > max_outputs:
            raise ValueError(f"{len(self.outputs)} outputs in one step, this stage allows {max_outputs}")
        for i, r in enumerate(self.rows):
            if not 0 <= r.slot < slots:
                raise ValueError(f"rows[{i}].slot = {r.slot} is outside the stage's slots 0..{slots - 1}")
            if not 0 <= r.pos < context:
                raise ValueError(f"rows[{i}].pos = {r.pos} is outside the context 0..{context - 1}")
            if r.token is not None and r.src is not None or needs_tokens and r.token is None and r.src is None:
                raise ValueError(f"rows[{i}] needs exactly one of token and src")
            if r.token is not None and not 0 <= r.token < vocab:
                raise ValueError(f"rows[{i}].token = {r.token} is outside the vocabulary (0..{vocab - 1})")
            if r.src is not None and not 0 <= r.src < max_outputs:
                raise ValueError(f"rows[{i}].src = {r.src} names no output of a step")
        for i, o in enumerate(self.outputs):
            if not 0 <= o.row < len(self.rows):
                raise ValueError(f"outputs[{i}].row = {o.row} names no row of this step")


def pack_params(layout: dict, n_rows: int, n_out: int) -> bytes:
    """The `params` uniform (manifest params.fields) for a step."""
    values = {"n_rows": n_rows, "n_out": n_out}
    return b"".join(struct.pack("<f" if t == "f32" else "<I", values.get(name, 0)) for name, t in layout["fields"])


def pack_ctl(layout: dict, step: Step) -> bytes:
    """The used part of the `ctl` buffer: the row entries, and, from out_offset_words on, the output entries.

    Returns the bytes to write at offset 0 (rows, then padding up to the output region, then the outputs).
    Rows are packed by column with numpy: a 512-token prompt's step took 1.4 ms of Python per field packed one at a
    time on an H200's host, while its GPU sat idle (18 ms to the first token, 12.6 of them on the GPU).
    """
    ctl = layout["ctl"]
    no_src = ctl["no_src"]
    rows = step.rows
    columns = {"slot": [r.slot for r in rows], "pos": [r.pos for r in rows],
               "src": [no_src if r.src is None else r.src for r in rows]}
    table = np.zeros((len(rows), len(ctl["row_fields"])), np.uint32)
    for j, (name, typ) in enumerate(ctl["row_fields"]):
        if name in columns:
            table[:, j] = _words(columns[name], typ)
    packed = table.tobytes()
    if not step.outputs:
        return packed
    words = []
    for o in step.outputs:
        s = o.sampling
        fields = {"row": o.row, "seed": s.seed & 0xFFFFFFFF, "step": o.step & 0xFFFFFFFF,
                  "temperature": s.temperature, "top_k": min(s.top_k, 0xFFFFFFFF), "top_p": s.top_p}
        words += [_word(fields.get(name, 0), t) for name, t in ctl["out_fields"]]
    return packed + bytes(4 * ctl["out_offset_words"] - len(packed)) + b"".join(words)


def _words(values: list, typ: str) -> np.ndarray:
    return np.asarray(values, np.float32).view(np.uint32) if typ == "f32" else np.asarray(values, np.uint32)


def _word(value, typ: str) -> bytes:
    return struct.pack("<f", float(value)) if typ == "f32" else struct.pack("<I", int(value))


def step_rows(manifest: dict, variant: str) -> int:
    """Rows per step a variant runs: the artifact's max_tokens_per_step, or fewer where the manifest's
    variant_choice.step_rows says so (runtime_js/manifest.js stepSizes applies the same rule)."""
    rows = manifest["limits"]["max_tokens_per_step"]
    cap = manifest.get("variant_choice", {}).get("step_rows", {}).get(variant)
    return min(rows, cap) if cap else rows
