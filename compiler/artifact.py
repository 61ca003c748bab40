"""The compiled artifact: one directory that every runtime (native Python, browser, swarm worker) reads.

    manifest.json        format_version, model config, tokenizer info, limits, params layout, buffers,
                         kernels (bindings, per-variant file/workgroup size/dispatch), weights, shards, plan
    kernels/<variant>/<kernel>.wgsl
    shards/<unit>-<sha256[:16]>.safetensors   weights grouped by unit (embed, layer.N, head), <= 32 MiB each,
                         content-addressed (a changed weight gets a new name, so caches can be immutable)
    tokenizer.json       a `tokenizers` / @huggingface/tokenizers file (+ tokenizer_config.json)

The plan is a list of units in execution order. Each unit has a role (embed, layer, head, sample), declares the
boundary buffers it reads and writes (with dtype and bytes per row) and the per-sequence state it owns (its
layers' K/V), and lists its dispatches: each names its kernel and binds binding names to buffer names or weight
names. Buffer shapes are symbolic ("T" rows per step, "O" outputs per step, "S" slots, "C" context), resolved when
a runtime loads a stage. Dispatch sizes are [count, divisor] per dimension, where count "T" is the rows of the step
and "O" its outputs. A stage running units i..j creates only their buffers and fetches only the shards they bind.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from . import __version__
from .codegen import Lowered
from .errors import ArtifactError
from .ir import unit_role
from .kernels import DEFAULT_LIMITS, VARIANT_CHOICE, VARIANT_FEATURES, params_layout, workgroups
from .manifest import FORMAT_VERSION, validate_manifest
from .model import ImportedModel
from .passes import BufferPlan
from .tokenizer import save_tokenizer

SHARD_BYTES = 32 << 20
# Slots a runtime loads when its caller names no number: at most `max`, and no more KV cache than the budget.
# WebGPU exposes no memory query, so this is a fixed, conservative figure (SmolLM2 at context 2048 costs 94 MB per
# slot in f32: 5 slots); servers and swarm workers choose their own number.
DEFAULT_SLOTS = {"max": 8, "kv_budget_bytes": 512 << 20}


def unit_weights(unit: dict, weight_names) -> list[str]:
    """Weight names bound by a unit's dispatches, in first-use order."""
    seen: dict[str, None] = {}
    for d in unit["dispatches"]:
        for v in d["bind"].values():
            if v in weight_names:
                seen.setdefault(v)
    return list(seen)


def _pack_shards(lowered: Lowered, out: Path, progress: bool) -> tuple[list[dict], dict[str, str]]:
    from safetensors.numpy import save
    from tqdm import tqdm

    (out / "shards").mkdir(parents=True, exist_ok=True)
    placed: dict[str, str] = {}
    groups: list[tuple[str, list[str]]] = []
    for unit in lowered.units:
        names = [w for w in unit_weights(unit, lowered.weights) if w not in placed]
        current: list[str] = []
        size = 0
        for w in names:
            nbytes = lowered.weights[w].nbytes
            if current and size + nbytes > SHARD_BYTES:
                groups.append((unit["name"], current))
                current, size = [], 0
            current.append(w)
            size += nbytes
            placed[w] = ""
        if current:
            groups.append((unit["name"], current))
    shards = []
    for unit_name, names in tqdm(groups, desc="writing shards", unit="shard", disable=not progress, leave=False):
        blob = save({n: lowered.weights[n] for n in names}, metadata={"unit": unit_name})
        digest = hashlib.sha256(blob).hexdigest()
        fname = f"shards/{unit_name}-{digest[:16]}.safetensors"
        (out / fname).write_bytes(blob)
        for n in names:
            placed[n] = fname
        shards.append({"file": fname, "sha256": digest, "bytes": len(blob), "tensors": names})
    # Which units need which shard (a tied embedding is read by both `embed` and `head`).
    for s in shards:
        s["units"] = [u["name"] for u in lowered.units if set(unit_weights(u, lowered.weights)) & set(s["tensors"])]
    return shards, placed


def unit_entry(unit: dict, kernels_json: dict, bp: BufferPlan) -> dict:
    """A plan unit with its role and interface: the boundary buffers it reads (before writing them) and writes, the
    state it owns, and whether it reads the per-step control buffer. Derived from its dispatches' bindings."""
    reads: dict[str, None] = {}
    writes: dict[str, None] = {}
    state: dict[str, None] = {}
    control = False
    for d in unit["dispatches"]:
        bindings = kernels_json[d["kernel"]]["bindings"]
        for b in bindings:
            buf = d["bind"].get(b["name"])
            kind = bp.kinds.get(buf)
            if kind == "state":
                state.setdefault(buf)
            elif kind == "control":
                control = True
            elif kind == "io":
                if b["type"] == "read" and buf not in writes:
                    reads.setdefault(buf)
                elif b["type"] == "read_write":
                    writes.setdefault(buf)

    def boundary(name: str) -> dict:
        shape = bp.shapes[name]
        return {"buffer": name, "dtype": bp.dtypes[name], "rows": shape[0],
                "row_bytes": 4 * _product(shape[1:])}

    entry = {"name": unit["name"], "role": unit_role(unit["name"]),
             "reads": [boundary(b) for b in reads], "writes": [boundary(b) for b in writes],
             "state": list(state), "control": control, "dispatches": unit["dispatches"]}
    if entry["role"] == "layer":
        entry["layer"] = int(unit["name"].split(".")[1])
    return entry


def variant_names(kernels_json: dict) -> list[str]:
    return sorted({v for k in kernels_json.values() for v in k["variants"]})


def decode_dispatches(units: list[dict], kernels_json: dict) -> dict[str, int]:
    """Dispatches each variant records for a decode step (one row, one output): those with no empty dimension."""
    variants = sorted({v for k in kernels_json.values() for v in k["variants"]})
    return {v: sum(1 for u in units for d in u["dispatches"]
                   if all(workgroups(kernels_json[d["kernel"]]["variants"][v]["dispatch"], 1, 1))) for v in variants}


def _product(dims) -> int:
    n = 1
    for d in dims:
        n *= int(d)
    return n


def write_artifact(out: Path, model: ImportedModel, lowered: Lowered, bp: BufferPlan, *, model_id: str,
                   max_context: int, max_tokens: int, limits: dict = DEFAULT_LIMITS, progress: bool = False,
                   step_rows: dict[str, int] | None = None) -> dict:
    """step_rows: rows per step each kernel variant runs at most (decoders: kernels.DECODER_STEP_ROWS)."""
    final = Path(out)
    if final.exists() and any(final.iterdir()) and not (final / "manifest.json").exists():
        # Never delete a directory we did not write: `-o .` must not wipe the user's files.
        raise ArtifactError(f"{final}: exists, is not empty and holds no manifest.json; choose an empty or new directory")
    # Build beside the destination and swap it in at the end, so a reader (the server) never sees half an artifact.
    out = final.with_name(f".{final.name}.partial-{os.getpid()}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shards, placed = _pack_shards(lowered, out, progress)

    kernels_json = {}
    for name, k in lowered.kernels.items():
        variants = {}
        for vname, v in k.variants.items():
            f = f"kernels/{vname}/{name}.wgsl"
            (out / f).parent.mkdir(parents=True, exist_ok=True)
            (out / f).write_text(v.source)
            variants[vname] = entry = v.entry(f)
            for depth, t in enumerate(v.chain()[1:], 1):   # tiled programs for ever longer steps, nested
                tf = f"kernels/{vname}/{name}{'.tiled' * depth}.wgsl"
                (out / tf).write_text(t.source)
                entry["tiled"] = entry = t.entry(tf)
        kernels_json[name] = {"op": k.op, "bindings": [b.to_json() for b in k.bindings], "variants": variants}

    weights_json = {
        n: info | {"dtype": "f32" if lowered.weights[n].dtype == np.float32 else "u32",
                   "bytes": int(lowered.weights[n].nbytes), "shard": placed[n]}
        for n, info in lowered.weight_info.items()
    }
    units = [unit_entry(u, kernels_json, bp) for u in lowered.units]

    # tokenizer_config.json beside it lets HF tooling (and @huggingface/tokenizers) read the same settings.
    tokenizer_file = save_tokenizer(model.tokenizer, out, model.tokenizer_info).name
    manifest = {
        "format_version": FORMAT_VERSION,
        "generator": f"webshard {__version__}",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        # The source's file name only: the manifest is served, and a local path says nothing useful to a client.
        "model": {"id": model_id, "config": model.config.to_json(),
                  "source": model.source | {"path": Path(model.source.get("path", "")).name}},
        "tokenizer": {"file": tokenizer_file, **model.tokenizer_info.to_json()},
        "limits": dict(limits) | {"max_context": max_context, "max_tokens_per_step": max_tokens,
                                  "default_slots": dict(DEFAULT_SLOTS)},
        "params": params_layout(max_tokens),
        "buffers": {n: {"shape": list(shape), "dtype": bp.dtypes[n], "kind": bp.kinds[n]}
                    for n, shape in bp.shapes.items()},
        "variant_choice": VARIANT_CHOICE | ({"step_rows": dict(step_rows)} if step_rows else {}),
        "variant_features": {v: f for v, f in VARIANT_FEATURES.items() if v in variant_names(kernels_json)},
        "kernels": kernels_json,
        "weights": weights_json,
        "shards": shards,
        "plan": {"units": units},
        "stats": {
            # The most any variant records for a one-row, one-output step (a variant may dispatch nothing for a
            # kernel it does not need, e.g. attention_merge with one span of keys); and each variant's count.
            "dispatches_per_decode_token": max(decode_dispatches(units, kernels_json).values()),
            "dispatches_per_decode_token_by_variant": decode_dispatches(units, kernels_json),
            "weight_bytes": int(sum(w.nbytes for w in lowered.weights.values())),
            "kernels": len(kernels_json),
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    _swap_in(out, final)
    return manifest


def _swap_in(new: Path, final: Path) -> None:
    """Replace `final` (an older artifact, or nothing) by the finished directory `new`."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
    os.replace(new, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_manifest(artifact: Path) -> dict:
    """The artifact's manifest, validated (compiler/manifest.py): an error names the file and the field."""
    path = Path(artifact) / "manifest.json"
    try:
        m = json.loads(path.read_text())
    except FileNotFoundError:
        raise ArtifactError(f"{path}: missing (compile first: webshard compile smollm2 -o {artifact})") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise ArtifactError(f"{path}: not valid JSON ({e})") from None
    validate_manifest(m, str(path))
    return m


def load_shard(artifact: Path, shard: dict, verify: bool = True) -> dict[str, np.ndarray]:
    from safetensors.numpy import load

    path = Path(artifact) / shard["file"]
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise ArtifactError(f"{path}: shard missing") from None
    if verify:
        digest = hashlib.sha256(blob).hexdigest()
        if digest != shard["sha256"]:
            raise ArtifactError(f"{path}: sha256 {digest[:16]}… does not match the manifest's {shard['sha256'][:16]}…")
    try:
        return load(blob)
    except Exception as e:
        raise ArtifactError(f"{path}: not a readable safetensors file ({e})") from None
