"""Manifest validation: an artifact's manifest.json -> checked before any runtime builds from it.

compiler/artifact.py writes manifests and reads them through `validate_manifest`; runtime_js/manifest.js is the
twin the browser runs. Both are tested against the same broken manifests (tests/fixtures/bad_manifests.json), and
each error names the field at fault as a path (`plan.units[3].role`, `buffers["x"].shape`). The version is checked
first: a newer format may have renamed everything else.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

from .errors import ArtifactError

FORMAT_VERSION = 2
ROLES = ("embed", "layer", "head", "sample", "pool")   # pool: an encoder's embeddings (compiler/encoder.py)
KINDS = ("io", "activation", "state", "control")
DTYPES = ("f32", "u32")
BINDING_TYPES = ("uniform", "read", "read_write")
SYMBOLS = ("T", "O", "S", "C")   # rows per step, outputs per step, sequence slots, context (KV rows per slot)
ROW_FIELDS = ("slot", "pos", "src")
OUT_FIELDS = ("row", "seed", "step", "temperature", "top_k", "top_p")
_FILE = re.compile(r"^[\w.+-]+(/[\w.+-]+)*$")


def inside_artifact(file: Any) -> bool:
    """A relative file name that stays inside the artifact directory (no "..", no absolute path or URL)."""
    return isinstance(file, str) and bool(_FILE.match(file)) and ".." not in file.split("/")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_count(v) -> bool:
    return _is_int(v) and v >= 0


def _is_positive(v) -> bool:
    return _is_int(v) and v >= 1


def _show(v) -> str:
    return "missing" if v is _MISSING else json.dumps(v)


_MISSING = object()


def _get(obj, key):
    return obj.get(key, _MISSING) if isinstance(obj, dict) else _MISSING


def tiled_entries(e: dict) -> list[dict]:
    """A kernel variant entry's tiled programs, for ever longer steps (each nested in the one before)."""
    out = []
    while "tiled" in e:
        e = e["tiled"]
        out.append(e)
    return out


def program_files(e: dict) -> list[str]:
    """The WGSL files of a kernel variant entry: its program's and its tiled programs'."""
    return [e["file"]] + [t["file"] for t in tiled_entries(e)]


def validate_manifest(m: Any, where: str) -> None:
    """Raise ArtifactError ("<where>: <path> <what is wrong>") unless `m` is a manifest this runtime can run."""
    if not isinstance(m, dict):
        raise ArtifactError(f"{where}: expected a JSON object")
    if m.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(f"{where}: format_version is {json.dumps(m.get('format_version'))}, but this webshard reads "
                            f"format_version {FORMAT_VERSION}; recompile the model (webshard compile)")

    def fail(path: str, what: str):
        raise ArtifactError(f"{where}: {path} {what}")

    def need(ok: bool, path: str, what: str) -> None:
        if not ok:
            fail(path, what)

    def one_of(v, allowed, path):
        need(v in allowed, path, f"is {_show(v)}, expected one of {', '.join(allowed)}")

    def positive(v, path):
        need(_is_positive(v), path, f"is {_show(v)}, expected a positive integer")

    def lst(v, path):
        need(isinstance(v, list), path, f"is {_show(v)}, expected a list")

    def obj(v, path):
        need(isinstance(v, dict), path, f"is {_show(v)}, expected an object")

    obj(_get(m, "model"), "model")
    model = m["model"]
    need(isinstance(model.get("id"), str) and model["id"] != "", "model.id", f"is {_show(_get(model, 'id'))}, expected a string")
    obj(_get(model, "config"), "model.config")
    positive(_get(model["config"], "vocab_size"), "model.config.vocab_size")
    obj(_get(m, "tokenizer"), "tokenizer")
    need(inside_artifact(m["tokenizer"].get("file")), "tokenizer.file",
         f"{_show(_get(m['tokenizer'], 'file'))} is not a file in the artifact")

    obj(_get(m, "limits"), "limits")
    lim = m["limits"]
    for k in ("max_context", "max_tokens_per_step"):
        positive(_get(lim, k), f"limits.{k}")
    obj(_get(lim, "default_slots"), "limits.default_slots")
    positive(_get(lim["default_slots"], "max"), "limits.default_slots.max")
    positive(_get(lim["default_slots"], "kv_budget_bytes"), "limits.default_slots.kv_budget_bytes")

    _validate_params(_get(m, "params"), lim["max_tokens_per_step"], need, lst, obj)

    obj(_get(m, "buffers"), "buffers")
    for name, b in m["buffers"].items():
        at = f"buffers[{json.dumps(name)}]"
        obj(b, at)
        shape = _get(b, "shape")
        need(isinstance(shape, list) and len(shape) > 0 and all(d in SYMBOLS or _is_positive(d) for d in shape),
             f"{at}.shape", f"is {_show(shape)}, expected a list of positive integers and {', '.join(SYMBOLS)}")
        one_of(_get(b, "dtype"), DTYPES, f"{at}.dtype")
        one_of(_get(b, "kind"), KINDS, f"{at}.kind")
        if b["kind"] == "state":   # the KV cache holds one region per sequence slot
            need(shape[0] == "S", f"{at}.shape", f'is {_show(shape)}, state must start with "S"')

    vc = _get(m, "variant_choice")
    obj(vc, "variant_choice")
    lst(_get(vc, "rules"), "variant_choice.rules")
    for i, r in enumerate(vc["rules"]):
        at = f"variant_choice.rules[{i}]"
        obj(r, at)
        ok = isinstance(r.get("match"), str)
        if ok:
            try:
                re.compile(r["match"])
            except re.error:
                ok = False
        need(ok, f"{at}.match", f"is {_show(_get(r, 'match'))}, expected a regular expression")
        need(isinstance(r.get("variant"), str), f"{at}.variant", f"is {_show(_get(r, 'variant'))}, expected a variant name")
    for k in ("fallback_adapter", "default"):
        need(isinstance(vc.get(k), str), f"variant_choice.{k}", f"is {_show(_get(vc, k))}, expected a variant name")
    for v, n in (vc.get("step_rows") or {}).items():   # optional: rows per step a variant runs at most
        need(_is_positive(n), f"variant_choice.step_rows.{v}", f"is {_show(n)}, expected a positive integer")
    for v, c in (vc.get("candidates") or {}).items():   # optional: variants an autotuner may time
        need(isinstance(c, list) and all(isinstance(x, str) for x in c), f"variant_choice.candidates.{v}",
             f"is {_show(c)}, expected a list of variant names")

    def program(e, vat: str) -> None:
        """A kernel variant's program: its WGSL file, workgroup shape, dispatch grid and workgroup memory."""
        obj(e, vat)
        need(inside_artifact(e.get("file")), f"{vat}.file", f"{_show(_get(e, 'file'))} is not a file in the artifact")
        ws = _get(e, "workgroup_size")
        need(isinstance(ws, list) and len(ws) == 3 and all(_is_positive(x) for x in ws), f"{vat}.workgroup_size",
             f"is {_show(ws)}, expected 3 positive integers")
        dp = _get(e, "dispatch")
        need(isinstance(dp, list) and len(dp) == 3 and all(
            isinstance(d, list) and len(d) == 2 and (_is_count(d[0]) or d[0] in ("T", "O")) and _is_positive(d[1])
            for d in dp), f"{vat}.dispatch",
            f'is {_show(dp)}, expected 3 [count, divisor] pairs (count: an integer, "T" or "O")')
        need(_is_count(_get(e, "workgroup_bytes")), f"{vat}.workgroup_bytes",
             f"is {_show(_get(e, 'workgroup_bytes'))}, expected a byte count")

    obj(_get(m, "kernels"), "kernels")
    for name, k in m["kernels"].items():
        at = f"kernels[{json.dumps(name)}]"
        obj(k, at)
        lst(_get(k, "bindings"), f"{at}.bindings")
        for i, b in enumerate(k["bindings"]):
            need(isinstance(b, dict) and isinstance(b.get("name"), str), f"{at}.bindings[{i}].name", "is missing")
            one_of(_get(b, "type"), BINDING_TYPES, f"{at}.bindings[{i}].type")
        need(isinstance(k.get("variants"), dict) and len(k["variants"]) > 0, f"{at}.variants",
             "should name at least one variant")
        for v, e in k["variants"].items():
            vat = f"{at}.variants.{v}"
            program(e, vat)
            below = 0
            while "tiled" in e:   # programs for steps of at least min_rows rows, nested (kernels.KernelVariant)
                e, vat = e["tiled"], f"{vat}.tiled"
                program(e, vat)
                need(_is_positive(e.get("min_rows")) and e["min_rows"] > below, f"{vat}.min_rows",
                     f"is {_show(e.get('min_rows'))}, expected an integer above {below}")
                need(any(d[0] in ("T", "O") for d in e["dispatch"]), f"{vat}.dispatch",
                     'counts no rows ("T" or "O"), which min_rows is compared with')
                below = e["min_rows"]

    lst(_get(m, "shards"), "shards")
    for i, s in enumerate(m["shards"]):
        obj(s, f"shards[{i}]")
        need(inside_artifact(s.get("file")), f"shards[{i}].file", f"{_show(_get(s, 'file'))} is not a file in the artifact")
        need(isinstance(s.get("sha256"), str) and bool(re.fullmatch(r"[0-9a-f]{64}", s["sha256"])),
             f"shards[{i}].sha256", "is not a hex sha256")
        need(_is_count(_get(s, "bytes")), f"shards[{i}].bytes", "is not a byte count")
        lst(_get(s, "tensors"), f"shards[{i}].tensors")
        lst(_get(s, "units"), f"shards[{i}].units")
    obj(_get(m, "weights"), "weights")
    shard_files = {s["file"] for s in m["shards"]}
    for name, w in m["weights"].items():
        at = f"weights[{json.dumps(name)}]"
        obj(w, at)
        need(isinstance(w.get("shard"), str) and w["shard"] in shard_files, f"{at}.shard",
             f"{_show(_get(w, 'shard'))} is not in shards")
        need(_is_count(_get(w, "bytes")), f"{at}.bytes", "is not a byte count")

    _validate_plan(m, need, one_of, lst, obj)
    units = {u["name"] for u in m["plan"]["units"]}
    for i, s in enumerate(m["shards"]):
        for j, u in enumerate(s["units"]):
            need(isinstance(u, str) and u in units, f"shards[{i}].units[{j}]", f"{_show(u)} is not a unit of the plan")


def _validate_params(p, max_rows: int, need, lst, obj) -> None:
    obj(p, "params")

    def pairs(v, path, required):
        lst(v, path)
        for i, f in enumerate(v):
            need(isinstance(f, list) and len(f) == 2 and isinstance(f[0], str) and f[1] in ("u32", "f32"),
                 f"{path}[{i}]", f'is {_show(f)}, expected [name, "u32" | "f32"]')
        for r in required:
            need(any(f[0] == r for f in v), path, f'lacks the field "{r}"')

    pairs(_get(p, "fields"), "params.fields", ("n_rows", "n_out"))
    # Every field is one 4-byte word: the uniform's byte size follows.
    need(p.get("bytes") == 4 * len(p["fields"]) and _is_int(p.get("bytes")), "params.bytes",
         f"is {_show(_get(p, 'bytes'))}, expected {4 * len(p['fields'])} (4 per field)")
    ctl = _get(p, "ctl")
    obj(ctl, "params.ctl")
    pairs(_get(ctl, "row_fields"), "params.ctl.row_fields", ROW_FIELDS)
    pairs(_get(ctl, "out_fields"), "params.ctl.out_fields", OUT_FIELDS)
    row_words = max_rows * len(ctl["row_fields"])
    need(ctl.get("out_offset_words") == row_words and _is_int(ctl.get("out_offset_words")), "params.ctl.out_offset_words",
         f"is {_show(_get(ctl, 'out_offset_words'))}, expected {row_words} (max_tokens_per_step x row fields)")
    words = row_words + max_rows * len(ctl["out_fields"])
    need(ctl.get("words") == words and _is_int(ctl.get("words")), "params.ctl.words",
         f"is {_show(_get(ctl, 'words'))}, expected {words}")
    no_src = _get(ctl, "no_src")
    need(_is_int(no_src) and 0 <= no_src <= 0xFFFFFFFF, "params.ctl.no_src", f"is {_show(no_src)}, expected a u32")
    d = _get(p, "defaults")
    obj(d, "params.defaults")
    t = _get(d, "temperature")
    need(isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t) and t >= 0,
         "params.defaults.temperature", f"is {_show(t)}, expected a finite number >= 0")
    need(_is_count(_get(d, "top_k")), "params.defaults.top_k", f"is {_show(_get(d, 'top_k'))}, expected an integer >= 0")
    tp = _get(d, "top_p")
    need(isinstance(tp, (int, float)) and not isinstance(tp, bool) and 0 < tp <= 1, "params.defaults.top_p",
         f"is {_show(tp)}, expected a number in (0, 1]")
    need(_is_int(_get(d, "seed")), "params.defaults.seed", f"is {_show(_get(d, 'seed'))}, expected an integer")


def _validate_plan(m: dict, need, one_of, lst, obj) -> None:
    obj(_get(m, "plan"), "plan")
    lst(_get(m["plan"], "units"), "plan.units")
    need(len(m["plan"]["units"]) > 0, "plan.units", "is empty")
    seen = set()
    for i, u in enumerate(m["plan"]["units"]):
        at = f"plan.units[{i}]"
        obj(u, at)
        need(isinstance(u.get("name"), str) and u["name"] != "", f"{at}.name", f"is {_show(_get(u, 'name'))}, expected a unit name")
        need(u["name"] not in seen, f"{at}.name", f"{_show(u['name'])} is used by an earlier unit")
        seen.add(u["name"])
        one_of(_get(u, "role"), ROLES, f"{at}.role")
        if u["role"] == "layer":
            need(_is_count(_get(u, "layer")), f"{at}.layer", f"is {_show(_get(u, 'layer'))}, expected a layer index")
        for side in ("reads", "writes"):
            lst(_get(u, side), f"{at}.{side}")
            for j, b in enumerate(u[side]):
                bat = f"{at}.{side}[{j}]"
                obj(b, bat)
                buf = m["buffers"].get(b.get("buffer")) if isinstance(b.get("buffer"), str) else None
                need(isinstance(buf, dict), f"{bat}.buffer", f"{_show(_get(b, 'buffer'))} is not in buffers")
                need(b.get("dtype") == buf["dtype"], f"{bat}.dtype",
                     f"is {_show(_get(b, 'dtype'))}, buffers[{json.dumps(b['buffer'])}] says {_show(buf['dtype'])}")
                one_of(_get(b, "rows"), ("T", "O"), f"{bat}.rows")
                need(_is_positive(_get(b, "row_bytes")), f"{bat}.row_bytes",
                     f"is {_show(_get(b, 'row_bytes'))}, expected a positive byte count")
        lst(_get(u, "state"), f"{at}.state")
        for j, s in enumerate(u["state"]):
            buf = m["buffers"].get(s) if isinstance(s, str) else None
            need(isinstance(buf, dict) and buf.get("kind") == "state", f"{at}.state[{j}]",
                 f'{_show(s)} is not a buffer of kind "state"')
        need(isinstance(u.get("control"), bool), f"{at}.control", f"is {_show(_get(u, 'control'))}, expected true or false")
        lst(_get(u, "dispatches"), f"{at}.dispatches")
        for j, d in enumerate(u["dispatches"]):
            dat = f"{at}.dispatches[{j}]"
            obj(d, dat)
            need(isinstance(d.get("kernel"), str) and isinstance(m["kernels"].get(d["kernel"]), dict),
                 f"{dat}.kernel", f"{_show(_get(d, 'kernel'))} is not in kernels")
            obj(_get(d, "bind"), f"{dat}.bind")
            for b in m["kernels"][d["kernel"]]["bindings"]:
                if b["type"] != "uniform":
                    need(b["name"] in d["bind"], f"{dat}.bind.{b['name']}", f"is missing (kernel {d['kernel']} binds it)")
            for b, v in d["bind"].items():
                need(isinstance(v, str) and (v in m["buffers"] or v in m["weights"]), f"{dat}.bind.{b}",
                     f"names {_show(v)}, which is neither a buffer nor a weight")
