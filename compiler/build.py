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
from .executor import workgroups
from .codegen import lower
from .importers import load_model
from .ir import build_graph
from .kernels import DEFAULT_LIMITS
from .model import Model
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


def compile_model(model: Model, out: Path, *, model_id: str, max_context: int | None = None,
                  max_tokens: int = DEFAULT_STEP_TOKENS, limits: dict = DEFAULT_LIMITS,
                  progress: bool | None = None) -> dict:
    """Compile `model` into the artifact directory `out`; returns the manifest.

    max_context: KV-cache rows; None means DEFAULT_CONTEXT or the model's trained context, whichever is smaller.
    """
    progress = sys.stderr.isatty() if progress is None else progress
    if max_tokens < 1:
        raise LimitError(f"tokens per prefill step must be at least 1, got {max_tokens}")
    max_context = check_context(model, max_context)
    fmt = {n: t.fmt for n, t in model.tensors.items()}
    graph = infer_shapes(build_graph(model.config, fmt), {n: t.shape for n, t in model.tensors.items()})
    if debug_level() >= 2:
        print("# IR (unfused)\n" + graph.dump(), file=sys.stderr)
    fg = fuse(graph)
    if debug_level() >= 2:
        print("# IR (fused)\n" + fg.graph.dump(), file=sys.stderr)
    bp = plan_buffers(fg, max_tokens, max_context)
    lowered = lower(model, fg, bp, limits, progress=progress)
    check_sizes(lowered, bp, max_tokens, limits)
    if debug_level() >= 1:
        for name, k in lowered.kernels.items():
            for vn, v in k.variants.items():
                print(f"# kernel {name} [{vn}] workgroup={v.workgroup_size} dispatch={v.dispatch}\n{v.source}", file=sys.stderr)
    return write_artifact(out, model, lowered, bp, model_id=model_id, max_context=max_context,
                          max_tokens=max_tokens, limits=limits, progress=progress)


def check_context(model: Model, max_context: int | None) -> int:
    """The context to compile for. One above the trained context is refused rather than clamped: positions past it
    are rows gpt2's position table does not have, and RoPE angles llama was never trained on."""
    trained = model.config.context_length
    if max_context is None:
        return min(DEFAULT_CONTEXT, trained)
    if max_context < 2:
        raise LimitError(f"the context must hold at least 2 tokens, got {max_context}")
    if max_context > trained:
        name = model.config.name or model.source.get("path", "the model")
        raise LimitError(f"--context {max_context} is more than {name}'s trained context of {trained} tokens; "
                         f"pass --context {trained} or less")
    return max_context


def check_sizes(lowered, bp, max_tokens: int, limits: dict) -> None:
    """Runtime-sized things must fit the limits too: activation/KV buffers and dispatch grids at max_tokens."""
    cap = limits["max_storage_buffer_binding_size"]
    for name, size in bp.buffers.items():
        if size > cap:
            raise LimitError(f"buffer {name} needs {size} bytes, over max_storage_buffer_binding_size {cap}; "
                             f"lower --context or --step-tokens")
    for k in lowered.kernels.values():
        for variant, v in k.variants.items():
            grid = workgroups(v.dispatch, max_tokens)
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
