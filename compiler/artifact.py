"""The compiled artifact: one directory that every runtime (native Python, browser, swarm worker) reads.

    manifest.json        format_version, model config, tokenizer info, limits, params layout, buffers,
                         kernels (bindings, per-variant file/workgroup size/dispatch), weights, shards, plan
    kernels/<variant>/<kernel>.wgsl
    shards/<unit>-<sha256[:16]>.safetensors   weights grouped by unit (embed, layer.N, head), <= 32 MiB each,
                         content-addressed (a changed weight gets a new name, so caches can be immutable)
    tokenizer.json       a `tokenizers` / @huggingface/tokenizers file (+ tokenizer_config.json)

The plan is a list of units in execution order; each dispatch names its kernel and binds binding names to
buffer names (activations, KV caches, io) or weight names. Dispatch sizes are [count, divisor] per dimension,
where count "T" means "tokens in this step". A worker running layers i..j runs units layer.i..layer.j and fetches
only the shards those units' dispatches bind.
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
from .kernels import DEFAULT_LIMITS, PARAMS, PARAMS_BYTES
from .model import Model
from .passes import BufferPlan
from .tokenizer import save_tokenizer

FORMAT_VERSION = 1
SHARD_BYTES = 32 << 20


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


def write_artifact(out: Path, model: Model, lowered: Lowered, bp: BufferPlan, *, model_id: str,
                   max_context: int, max_tokens: int, limits: dict = DEFAULT_LIMITS, progress: bool = False) -> dict:
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
            variants[vname] = {"file": f, "workgroup_size": list(v.workgroup_size), "dispatch": v.dispatch,
                               "workgroup_bytes": v.workgroup_bytes}
        kernels_json[name] = {"op": k.op, "bindings": [b.to_json() for b in k.bindings], "variants": variants}

    weights_json = {
        n: info | {"dtype": "f32" if lowered.weights[n].dtype == np.float32 else "u32",
                   "bytes": int(lowered.weights[n].nbytes), "shard": placed[n]}
        for n, info in lowered.weight_info.items()
    }
    units = []
    for u in lowered.units:
        entry = {"name": u["name"], "dispatches": u["dispatches"]}
        if u["name"].startswith("layer."):
            entry["layer"] = int(u["name"].split(".")[1])
        units.append(entry)

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
        "limits": dict(limits) | {"max_context": max_context, "max_tokens_per_step": max_tokens},
        "params": {"fields": [list(f) for f in PARAMS], "bytes": PARAMS_BYTES},
        "buffers": {n: {"bytes": b, "kind": bp.kinds[n]} for n, b in bp.buffers.items()},
        "kernels": kernels_json,
        "weights": weights_json,
        "shards": shards,
        "plan": {"units": units},
        "stats": {
            "dispatches_per_decode_token": sum(len(u["dispatches"]) for u in units),
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
    path = Path(artifact) / "manifest.json"
    try:
        m = json.loads(path.read_text())
    except FileNotFoundError:
        raise ArtifactError(f"{path}: missing (compile first: webshard compile smollm2 -o {artifact})") from None
    except json.JSONDecodeError as e:
        raise ArtifactError(f"{path}: not valid JSON ({e})") from None
    v = m.get("format_version")
    if v != FORMAT_VERSION:
        raise ArtifactError(f"{path}: format_version {v!r}, this webshard reads {FORMAT_VERSION}; recompile the model")
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
