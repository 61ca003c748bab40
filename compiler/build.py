"""The compile driver: model file -> import -> IR -> passes -> codegen -> artifact directory.

`webshard compile` and `webshard serve` (for the default model) call this.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

from .artifact import FORMAT_VERSION, write_artifact
from .errors import LimitError
from .codegen import lower
from .importers import load_model
from .ir import build_graph
from .kernels import DECODER_STEP_ROWS, DEFAULT_LIMITS, workgroups
from .model import ImportedModel
from .passes import fuse, plan_buffers
from .shapes import infer_shapes

DEFAULT_MODEL_ID = "smollm2"
DEFAULT_CONTEXT = 2048
DEFAULT_STEP_TOKENS = 512   # rows per step at most; CPU variants run fewer (kernels.DECODER_STEP_ROWS)


def debug_level() -> int:
    """WEBSHARD_DEBUG=1 prints kernels with their dispatch sizes; 2 also prints the IR after each pass."""
    try:
        return int(os.environ.get("WEBSHARD_DEBUG", "0"))
    except ValueError:
        return 0


def compile_model(model: ImportedModel, out: Path, *, model_id: str, max_context: int | None = None,
                  max_tokens: int | None = None, limits: dict = DEFAULT_LIMITS,
                  progress: bool | None = None) -> dict:
    """Compile `model` into the artifact directory `out`; returns the manifest.

    max_context: KV-cache rows; None means DEFAULT_CONTEXT or the model's trained context, whichever is smaller.
    max_tokens: rows per step; None means DEFAULT_STEP_TOKENS. Encoders (arch "bert") go to compiler/encoder.py,
    where both default to what an encoder needs (its max_seq_length; whole sentences per step).
    """
    if model.config.arch == "bert":
        from .encoder import compile_encoder

        return compile_encoder(model, out, model_id=model_id, max_context=max_context, max_tokens=max_tokens,
                               limits=limits, progress=progress)
    max_tokens = DEFAULT_STEP_TOKENS if max_tokens is None else max_tokens
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
    bp = plan_buffers(fg, max_tokens)
    lowered = lower(model, fg, bp, context=max_context, max_rows=max_tokens, limits=limits, progress=progress)
    check_sizes(lowered, bp, max_tokens, max_context, limits)
    if debug_level() >= 1:
        for name, k in lowered.kernels.items():
            for vn, v in k.variants.items():
                print(f"# kernel {name} [{vn}] workgroup={v.workgroup_size} dispatch={v.dispatch}\n{v.source}", file=sys.stderr)
    return write_artifact(out, model, lowered, bp, model_id=model_id, max_context=max_context,
                          step_rows=DECODER_STEP_ROWS,
                          max_tokens=max_tokens, limits=limits, progress=progress)


def check_context(model: ImportedModel, max_context: int | None) -> int:
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
        for variant, v in [(vn, prog) for vn, kv in k.variants.items() for prog in kv.chain()]:
            grid = workgroups(v.dispatch, max_tokens, max_tokens)
            if max(grid) > limits["max_workgroups_per_dimension"]:
                raise LimitError(f"kernel {k.name} ({variant}) dispatches {grid} workgroups at {max_tokens} tokens, "
                                 f"over max_workgroups_per_dimension {limits['max_workgroups_per_dimension']}")


def compile_source(source: str | Path, out: Path, *, model_id: str | None = None, **kw) -> tuple[dict, float]:
    """Import and compile; returns (manifest, seconds). `weights` ("f16" | "f32", encoders only) goes to the importer."""
    t0 = time.perf_counter()
    model = load_model(source, weights=kw.pop("weights", None))
    mid = model_id or (DEFAULT_MODEL_ID if str(source) in ("smollm2", "default") else Path(str(source)).stem.lower())
    manifest = compile_model(model, out, model_id=mid, **kw)
    return manifest, time.perf_counter() - t0


def ensure_default_model(out: Path) -> Path:
    """Compile the bundled SmolLM2 into `out` unless the artifact there was built from this model file by this
    compiler (its build_key.json matches `build_key`); says why when it rebuilds."""
    from .errors import ModelFormatError
    from .importers import default_model_path

    out = Path(out)
    try:
        source = default_model_path()
    except ModelFormatError:
        if stale_reason(out, None) is None:
            return out  # no model package to rebuild from: a readable artifact is better than none
        raise
    key = build_key(source)
    reason = stale_reason(out, key)
    if reason is None:
        return out
    verb = "compiling" if reason == "missing" else f"recompiling ({reason}):"
    print(f"{verb} the default model (SmolLM2-135M-Instruct) into {out} ...", file=sys.stderr)
    _, secs = compile_source(source, out, model_id=DEFAULT_MODEL_ID)
    write_build_key(out, key)
    print(f"compiled in {secs:.1f} s", file=sys.stderr)
    return out


# ---------------------------------------------------------------- build keys: is an artifact current?

BUILD_KEY_FILE = "build_key.json"  # beside manifest.json; written by ensure_default_model after a build
COMPILER_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = COMPILER_DIR.parent / "wgsl"  # compiler/kernels.py WGSL_DIR


def compiler_hash() -> str:
    """sha256 over what shapes an artifact: compiler/**/*.py and the kernel templates wgsl/*.j2.

    compiler/native/ (the native runtime) is left out: it reads artifacts but does not make them, so a runtime change
    alone does not cost a rebuild. Any other compiler file counts, even one that changes no kernel (cli.py): a
    needless rebuild costs seconds, a missed one serves old kernels.
    """
    files = sorted(p for p in COMPILER_DIR.rglob("*.py") if p.relative_to(COMPILER_DIR).parts[0] != "native")
    files += sorted(TEMPLATES_DIR.glob("*.j2"))
    h = hashlib.sha256()
    for p in files:
        data = p.read_bytes()
        h.update(f"{p.relative_to(COMPILER_DIR.parent).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def build_key(source: Path) -> dict:
    """What an artifact built from the model file `source` by this compiler must record to count as current."""
    st = Path(source).stat()
    # The file's name, size and mtime rather than its sha256 (seconds for a large model, at every start); the key
    # is served with the artifact, so no local path.
    return {"format_version": FORMAT_VERSION, "compiler_hash": compiler_hash(),
            "source": {"file": Path(source).name, "bytes": st.st_size, "mtime_ns": st.st_mtime_ns}}


def write_build_key(out: Path, key: dict) -> None:
    (Path(out) / BUILD_KEY_FILE).write_text(json.dumps(key, indent=1) + "\n")


def stale_reason(out: Path, key: dict | None) -> str | None:
    """Why the artifact in `out` must be (re)built for `key`, or None when it is current.

    With key=None, only whether a readable artifact of this format is there. Reasons: "missing", "format changed",
    "artifact unreadable", "no build key", "compiler changed", "model file changed".
    """
    out = Path(out)
    if not (out / "manifest.json").exists():
        return "missing"
    try:
        version = json.loads((out / "manifest.json").read_text()).get("format_version")
    except (OSError, ValueError, AttributeError):
        return "artifact unreadable"
    if version != FORMAT_VERSION:
        return "format changed"
    if key is None:
        return None
    try:
        built = json.loads((out / BUILD_KEY_FILE).read_text())
    except (OSError, ValueError):
        return "no build key"  # built by a webshard that wrote none, or interrupted before writing it
    if not isinstance(built, dict) or built.get("compiler_hash") != key["compiler_hash"]:
        return "compiler changed"
    if built.get("source") != key["source"]:
        return "model file changed"
    return None
