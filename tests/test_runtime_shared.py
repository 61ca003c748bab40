"""What the native and browser runtimes must agree on, checked natively against shared fixtures (the browser side
checks the same fixtures in tests/test_stages_browser.py): the kernel-variant choice, sampling defaults, the step
control layout. No adapter needed."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from compiler import kernels as K
from compiler.native.batch import Output, Row, Sampling, Step, pack_ctl, pack_params
from compiler.native.gpu import choose_variant

FIXTURES = Path(__file__).parent / "fixtures"


def run_node(tmp_path: Path, imports: dict[str, list[str]], body: str):
    """What a node script printed (JSON): `body`, after importing `imports` ({runtime_js file: [names]}). Node runs
    the browser's modules as they are."""
    import shutil
    import subprocess

    from tests.conftest import unavailable

    node = shutil.which("node")
    if node is None:
        unavailable("node", "node is missing")
    js = Path(__file__).resolve().parent.parent / "runtime_js"
    head = ['import { pathToFileURL } from "node:url";'] + [
        f"const {{ {', '.join(names)} }} = await import(pathToFileURL({json.dumps(str(js / f))}).href);"
        for f, names in imports.items()]
    script = tmp_path / "check.mjs"
    script.write_text("\n".join(head) + "\n" + body)
    got = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert got.returncode == 0, got.stderr
    return json.loads(got.stdout)


@pytest.mark.parametrize("case", json.loads((FIXTURES / "adapters.json").read_text())["cases"],
                         ids=lambda c: c["info"]["vendor"] or "blank")
def test_variant_choice_follows_the_manifest_rules(case):
    i = case["info"]
    text = " ".join([i["vendor"], i["architecture"], i["device"], i["description"], case["type"]])
    assert choose_variant(K.VARIANT_CHOICE, text, fallback=case["fallback"]) == case["variant"]


def test_variant_override_must_exist():
    assert choose_variant(K.VARIANT_CHOICE, "nvidia", override="cpu") == "cpu"
    with pytest.raises(ValueError, match="not in this artifact"):
        choose_variant(K.VARIANT_CHOICE, "nvidia", override="fast", available=("cpu", "gpu"))


def test_sampling_defaults_are_the_manifest_defaults():
    s = Sampling()
    assert {"temperature": s.temperature, "top_k": s.top_k, "top_p": s.top_p, "seed": s.seed} == \
        K.params_layout(8)["defaults"] == K.SAMPLING_DEFAULTS


def test_control_words_layout():
    layout = K.params_layout(4)
    step = Step([Row(2, 9, token=5), Row(0, 3, src=1)], [Output(1, Sampling(0.5, 7, 0.9, 42), 3)])
    words = pack_ctl(layout, step)
    import numpy as np

    w = np.frombuffer(words, np.uint32)
    assert w[:8].tolist() == [2, 9, K.NO_SRC, 0, 0, 3, 1, 0]
    out = w[layout["ctl"]["out_offset_words"]:]
    assert out[[0, 1, 2, 4]].tolist() == [1, 42, 3, 7]
    assert np.frombuffer(out[[3, 5]].tobytes(), np.float32).tolist() == pytest.approx([0.5, 0.9])
    assert np.frombuffer(pack_params(layout, 2, 1), np.uint32).tolist() == [2, 1, 0, 0]


def test_needed_limits_scale_with_slots_and_name_the_limit(tmp_path):
    from compiler.build import compile_model
    from compiler.errors import LimitError
    from compiler.importers import load_model
    from compiler.native.limits import check_limits, needed_limits
    from compiler.native.stage import unit_names
    from tests.tiny_models import make_tiny_llama

    m = compile_model(load_model(make_tiny_llama(tmp_path)), tmp_path / "art", model_id="t", max_context=64,
                      max_tokens=8)
    units = unit_names(m)
    one, four = needed_limits(m, "cpu", units, 1), needed_limits(m, "cpu", units, 4)
    kv = 4 * 64 * 32   # one slot of one layer's K cache: context x kv width x 4 bytes
    assert one["maxStorageBufferBindingSize"][0] >= kv
    assert needed_limits(m, "cpu", ["layer.0"], 8)["maxStorageBufferBindingSize"] == (8 * kv, 'buffer "k_cache.0" is bound whole')
    assert four["maxStorageBuffersPerShaderStage"][0] <= 8
    with pytest.raises(LimitError, match=r"maxStorageBufferBindingSize = \d+ \(buffer .* offers only 1024"):
        check_limits(four, {"max-storage-buffer-binding-size": 1024}, "tiny adapter")


# ---------------------------------------------------------------- manifest validation (same fixture as the browser)


@pytest.fixture(scope="module")
def tiny_manifest(tmp_path_factory):
    from compiler.build import compile_model
    from compiler.importers import load_model
    from tests.tiny_models import make_tiny_llama

    d = tmp_path_factory.mktemp("manifest")
    return compile_model(load_model(make_tiny_llama(d)), d / "art", model_id="tiny", max_context=32, max_tokens=4,
                         progress=False)


@pytest.mark.parametrize("case", json.loads((FIXTURES / "bad_manifests.json").read_text())["cases"],
                         ids=lambda c: c["name"])
def test_native_validator_rejects_each_broken_manifest(tiny_manifest, case):
    from compiler.errors import ArtifactError
    from compiler.manifest import validate_manifest
    from tests.test_stages_browser import apply_ops

    validate_manifest(tiny_manifest, "manifest.json")   # the unbroken one passes
    with pytest.raises(ArtifactError, match=re.escape(case["error"])):
        validate_manifest(apply_ops(tiny_manifest, case["ops"]), "manifest.json")


def test_read_manifest_names_the_file(tmp_path, tiny_manifest):
    from compiler.artifact import read_manifest
    from compiler.errors import ArtifactError

    (tmp_path / "manifest.json").write_text(json.dumps(dict(tiny_manifest, format_version=1)))
    with pytest.raises(ArtifactError, match=r"manifest.json: format_version is 1.*recompile"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("[" * 100000)
    with pytest.raises(ArtifactError, match="not valid JSON"):
        read_manifest(tmp_path)


def test_step_rows_per_variant_agree_in_both_runtimes(tmp_path):
    """CPU variants run at most variant_choice.step_rows rows a step; others the artifact's max_tokens_per_step. Node
    runs runtime_js/manifest.js stepSizes on the same manifest."""
    from compiler.native.batch import step_rows

    manifest = {"limits": {"max_tokens_per_step": 256, "max_context": 512}, "buffers": {},
                "variant_choice": K.VARIANT_CHOICE | {"step_rows": K.DECODER_STEP_ROWS}}
    want = {"cpu": 64, "cpu_sw": 64, "gpu": 256, "gpu_sg": 256, "gpu_f16": 256}
    assert {v: step_rows(manifest, v) for v in want} == want
    small = dict(manifest, limits={"max_tokens_per_step": 8, "max_context": 512})
    assert step_rows(small, "cpu") == 8   # never more than the artifact holds
    out = run_node(tmp_path, {"manifest.js": ["stepSizes"]}, f"""
const m = {json.dumps(manifest)};
const out = {{}};
for (const v of {json.dumps(list(want))}) out[v] = stepSizes(m, 1, Infinity, v).T;
out.small = stepSizes({json.dumps(small)}, 1, Infinity, "cpu").T;
console.log(JSON.stringify(out));
""")
    assert out == want | {"small": 8}


def test_nested_tiled_programs_are_validated_and_chosen_alike(tmp_path):
    """A kernel variant's tiled programs nest, each for longer steps than the one before: both validators reject a
    nested min_rows that is not above its parent's, naming the field, and both runtimes run the same program of a
    three-program chain at each step length (compiler/native/executor.py for_step, runtime_js/executor.js
    programFor). Node runs the browser's modules."""
    import copy

    from compiler.build import compile_model
    from compiler.errors import ArtifactError
    from compiler.importers import load_model
    from compiler.manifest import validate_manifest
    from compiler.native.executor import KernelProgram
    from compiler.native.limits import needed_limits
    from compiler.native.stage import unit_names
    from tests.tiny_models import make_tiny_llama

    m = compile_model(load_model(make_tiny_llama(tmp_path)), tmp_path / "art", model_id="tiny", max_context=32,
                      max_tokens=80, progress=False)
    name = next(n for n, k in m["kernels"].items() if "tiled" in k["variants"]["gpu"])
    first = m["kernels"][name]["variants"]["gpu"]["tiled"]
    good = copy.deepcopy(m)
    good["kernels"][name]["variants"]["gpu"]["tiled"]["tiled"] = dict(
        first, min_rows=first["min_rows"] + 8, tiled=dict(first, min_rows=first["min_rows"] + 9, workgroup_bytes=40000))
    bad = copy.deepcopy(m)
    bad["kernels"][name]["variants"]["gpu"]["tiled"]["tiled"] = dict(first)
    uncounted = copy.deepcopy(m)   # a tiled program whose grid counts no rows: min_rows has nothing to compare
    uncounted["kernels"][name]["variants"]["gpu"]["tiled"]["tiled"] = dict(
        first, min_rows=first["min_rows"] + 8, dispatch=[[1, 1], [1, 1], [1, 1]])
    field = f'kernels["{name}"].variants.gpu.tiled.tiled.min_rows'
    validate_manifest(good, "good")
    with pytest.raises(ArtifactError, match=re.escape(field)):
        validate_manifest(bad, "bad")
    with pytest.raises(ArtifactError, match=re.escape(field.replace("min_rows", "dispatch"))):
        validate_manifest(uncounted, "uncounted")
    # The device is asked for what the innermost program needs too.
    assert needed_limits(good, "gpu", unit_names(good), 1)["maxComputeWorkgroupStorageSize"][0] == 40000

    entry = good["kernels"][name]["variants"]["gpu"]
    prog = KernelProgram.from_entry(name, [], entry, lambda e: e["file"])
    lo = first["min_rows"]
    rows = [1, lo - 1, lo, lo + 7, lo + 8, lo + 9, lo + 100]
    want = [prog.for_step(r, r)[0] for r in rows]
    assert want == [name, name, f"{name}#tiled", f"{name}#tiled", f"{name}#tiled#tiled", f"{name}#tiled#tiled#tiled",
                    f"{name}#tiled#tiled#tiled"]
    out = run_node(tmp_path, {"manifest.js": ["validateManifest", "tiledEntries"], "executor.js": ["programFor"]}, f"""
const out = {{}};
validateManifest({json.dumps(good)}, "good");
try {{ validateManifest({json.dumps(bad)}, "bad"); out.bad = null; }} catch (e) {{ out.bad = e.message; }}
try {{ validateManifest({json.dumps(uncounted)}, "u"); out.uncounted = null; }} catch (e) {{ out.uncounted = e.message; }}
const e = {json.dumps(entry)};
let tiled;
for (const t of tiledEntries(e).reverse()) tiled = {{ source: "", dispatch: t.dispatch, minRows: t.min_rows, tiled }};
const prog = {{ name: {json.dumps(name)}, source: "", bindings: [], dispatch: e.dispatch, tiled }};
out.keys = {json.dumps(rows)}.map((r) => programFor(prog, r, r).key);
console.log(JSON.stringify(out));
""")
    assert out["keys"] == want
    assert out["bad"] and field in out["bad"]
    assert out["uncounted"] and field.replace("min_rows", "dispatch") in out["uncounted"]


def test_swarm_workers_tune_the_same_candidates_in_both_runtimes(tmp_path):
    """A swarm worker times only the candidates that compute in f32 (those needing shader-f16 left out, the rules'
    variant always kept): compiler/native/autotune.py f32_candidates and runtime_js/autotune.js stageCandidates."""
    from compiler.native.autotune import f32_candidates

    manifest = {"variant_features": {"gpu_sg": ["subgroups"], "gpu_f16": ["shader-f16"], "odd": ["shader-f16"]}}
    cases = [["gpu", "gpu_sg", "gpu_f16"], ["gpu", "gpu_f16"], ["odd", "gpu", "gpu_f16"], ["cpu_sw", "cpu"], []]
    want = [["gpu", "gpu_sg"], ["gpu"], ["odd", "gpu"], ["cpu_sw", "cpu"], []]
    assert [f32_candidates(manifest, c) for c in cases] == want
    got = run_node(tmp_path, {"autotune.js": ["stageCandidates"]}, f"""
console.log(JSON.stringify({json.dumps(cases)}.map((c) => stageCandidates({json.dumps(manifest)}, c))));
""")
    assert got == want


def test_prompt_steps_are_cut_alike_in_both_runtimes(tmp_path):
    """chain.js submitCuts is compiler/native/stage.py submit_cuts: the same cuts, the same refusal."""
    from compiler.native.stage import submit_cuts

    cases = [(n, first) for n in (1, 8, 9, 24, 25, 154, 400) for first in (1, 8, 16)]
    got = run_node(tmp_path, {"chain.js": ["submitCuts"]}, f"""
const out = {json.dumps(cases)}.map(([n, first]) => submitCuts(n, first));
let refused = null;
try {{ submitCuts(10, 0); }} catch (e) {{ refused = e.message; }}
console.log(JSON.stringify({{ out, refused }}));""")
    assert got["out"] == [submit_cuts(n, first) for n, first in cases]
    assert "at least one dispatch" in got["refused"]
