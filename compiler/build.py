"""The compile driver: model file -> import -> IR -> passes -> codegen -> artifact directory.

`webshard compile` and `webshard serve` (for the default model) call this.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from .artifact import read_manifest, write_artifact
from .errors import LimitError
from .codegen import lower
from .importers import load_model
from .ir import build_graph
from .kernels import DEFAULT_LIMITS, workgroups
from .model import ImportedModel
from .passes import fuse, plan_buffers
from .shapes import infer_shapes

DEFAULT_MODEL_ID = "smollm2"
DEFAULT_CONTEXT = 2048
DEFAULT_STEP_TOKENS = 64


def debug_level() -> int:
    """WEBSHARD_DEBUG=1 prints kernels with their dispatch sizes; 2 also prints the IR after each pass."""
    try:
        return int(os.environ.get("WEBSHARD_DEBUG", "0"))
    except ValueError:
        return 0


def compile_model(model: ImportedModel, out: Path, *, model_id: str, max_context: int = DEFAULT_CONTEXT,
                  max_tokens: int = DEFAULT_STEP_TOKENS, limits: dict = DEFAULT_LIMITS,
                  progress: bool | None = None) -> dict:
    progress = sys.stderr.isatty() if progress is None else progress
    if max_tokens < 1:
        raise LimitError(f"tokens per prefill step must be at least 1, got {max_tokens}")
    if max_context < 2:
        raise LimitError(f"the context must hold at least 2 tokens, got {max_context}")
    max_context = min(max_context, model.config.context_length)
    fmt = {n: t.fmt for n, t in model.tensors.items()}
    graph = infer_shapes(build_graph(model.config, fmt), {n: t.shape for n, t in model.tensors.items()})
    if debug_level() >= 2:
        print("# IR (unfused)\n" + graph.dump(), file=sys.stderr)
    fg = fuse(graph)
    if debug_level() >= 2:
        print("# IR (fused)\n" + fg.graph.dump(), file=sys.stderr)
    bp = plan_buffers(fg, max_tokens)
    lowered = lower(model, fg, bp, context=max_context, max_rows=max_tokens, limits=limits, progress=progress)
    check_sizes(lowered, bp, max_tokens, max_context, limits)
    if debug_level() >= 1:
        for name, k in lowered.kernels.items():
            for vn, v in k.variants.items():
                print(f"# kernel {name} [{vn}] workgroup={v.workgroup_size} dispatch={v.dispatch}\n{v.source}", file=sys.stderr)
    return write_artifact(out, model, lowered, bp, model_id=model_id, max_context=max_context,
                          max_tokens=max_tokens, limits=limits, progress=progress)


def check_sizes(lowered, bp, max_tokens: int, max_context: int, limits: dict) -> None:
    """Runtime-sized things must fit the limits too, for one slot and one output per step: activation/KV buffers,
    and dispatch grids at max_tokens rows and outputs. (A runtime that loads several slots sizes its KV caches and
    outputs per step against its own adapter's limits.)"""
    cap = limits["max_storage_buffer_binding_size"]
    sizes = {"T": max_tokens, "O": 1, "S": 1, "C": max_context}
    for name in bp.shapes:
        size = bp.bytes(name, sizes)
        if size > cap:
            raise LimitError(f"buffer {name} needs {size} bytes, over max_storage_buffer_binding_size {cap}; "
                             f"lower --context or --step-tokens")
    for k in lowered.kernels.values():
        for variant, v in k.variants.items():
            grid = workgroups(v.dispatch, max_tokens, max_tokens)
            if max(grid) > limits["max_workgroups_per_dimension"]:
                raise LimitError(f"kernel {k.name} ({variant}) dispatches {grid} workgroups at {max_tokens} tokens, "
                                 f"over max_workgroups_per_dimension {limits['max_workgroups_per_dimension']}")


def compile_source(source: str | Path, out: Path, *, model_id: str | None = None, **kw) -> tuple[dict, float]:
    """Import and compile; returns (manifest, seconds)."""
    t0 = time.perf_counter()
    model = load_model(source)
    mid = model_id or (DEFAULT_MODEL_ID if str(source) in ("smollm2", "default") else Path(str(source)).stem.lower())
    manifest = compile_model(model, out, model_id=mid, **kw)
    return manifest, time.perf_counter() - t0


def ensure_default_model(out: Path) -> Path:
    """Compile the bundled SmolLM2 into `out` unless a readable artifact of this format is already there."""
    out = Path(out)
    try:
        read_manifest(out)
        return out
    except Exception:
        pass
    print(f"compiling the default model (SmolLM2-135M-Instruct) into {out} ...", file=sys.stderr)
    _, secs = compile_source("smollm2", out, model_id=DEFAULT_MODEL_ID)
    print(f"compiled in {secs:.1f} s", file=sys.stderr)
    return out
