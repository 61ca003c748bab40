"""Dawn, Chrome's WebGPU implementation, accepts every program and step shape of every kernel variant
(tests/dawn_check.mjs, on Dawn's null backend in node). Chromium's SwiftShader runs only the CPU variants' shapes
in the browser tests and offers no `shader-f16`, and wgpu accepts programs that Dawn rejects: without this, a
`gpu_f16` or `gpu_sg` program would meet Chrome's compiler for the first time on a user's GPU."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from compiler.build import compile_model, compile_source
from compiler.importers import load_model
from compiler.kernels import VARIANTS
from server.threaded import serve
from tests.conftest import bundled, unavailable
from tests.tiny_bert import make_tiny_bert
from tests.tiny_models import make_tiny_gpt2, make_tiny_llama

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "dawn_check.mjs"


@pytest.fixture(scope="module")
def node():
    """node, with Dawn for node installed (package.json's devDependencies; make setup runs npm install)."""
    exe = shutil.which("node")
    if exe is None:
        unavailable("node", "node is missing")
    if not (ROOT / "node_modules" / "webgpu" / "package.json").is_file():
        unavailable("Dawn for node", "node_modules/webgpu is missing: run `npm install` (make setup does it)")
    return exe


def run_check(node: str, models: Path, model_id: str, kind: str = "decoder", variants=VARIANTS, **plan) -> dict:
    """dawn_check.mjs's {variants: {variant: {ok, steps, error, ...}}, adapter} for the artifact models/model_id,
    served by the real app; `plan` adds backend and generate."""
    from server.app import ServerConfig, create_app

    with serve(create_app(ServerConfig(artifacts_dir=models))) as url:
        plan = {"base": f"{url}/artifacts/{model_id}/", "kind": kind, "variants": list(variants)} | plan
        env = os.environ | {"XDG_RUNTIME_DIR": os.environ.get("XDG_RUNTIME_DIR", "/tmp")}
        got = subprocess.run([node, str(SCRIPT), json.dumps(plan)], capture_output=True, text=True, timeout=600,
                             cwd=ROOT, env=env)
    assert got.returncode == 0, got.stderr[-3000:]
    return json.loads(got.stdout.strip().splitlines()[-1])


def check(node: str, models: Path, model_id: str, kind: str = "decoder", variants=VARIANTS) -> dict:
    """{variant: {ok, steps, error}} on Dawn's null backend."""
    return run_check(node, models, model_id, kind, variants)["variants"]


def assert_all_pass(result: dict, variants=VARIANTS) -> None:
    assert set(result) == set(variants)
    failed = {v: r["error"] for v, r in result.items() if not r["ok"]}
    assert not failed, json.dumps(failed, indent=1)
    assert all(r["steps"] > 0 for r in result.values())


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory) -> Path:
    """Tiny decoders of every architecture the importers take (llama with GQA from a quantized GGUF, gpt2 from an
    HF directory), 96 rows a step, so the GPU variants' first tiled programs (from 64 rows) run too."""
    src = tmp_path_factory.mktemp("dawn_src")
    models = tmp_path_factory.mktemp("dawn_models")
    for model_id, path in (("tiny-llama", make_tiny_llama(src / "llama")), ("tiny-gpt2", make_tiny_gpt2(src / "gpt2"))):
        compile_model(load_model(path), models / model_id, model_id=model_id, max_context=128, max_tokens=96,
                      progress=False)
    compile_source(make_tiny_bert(src / "bert"), models / "tiny-bert", model_id="tiny-bert", max_context=12,
                   progress=False)
    return models


@pytest.mark.parametrize("model_id", ["tiny-llama", "tiny-gpt2"])
def test_every_variant_of_a_tiny_decoder_passes_dawn(node, tiny_models, model_id):
    assert_all_pass(check(node, tiny_models, model_id))


def test_every_variant_of_a_tiny_encoder_passes_dawn(node, tiny_models):
    assert_all_pass(check(node, tiny_models, "tiny-bert", kind="encoder"))


def test_dawn_rejects_what_wgpu_accepts_and_names_the_kernel_file(node, tiny_models, tmp_path):
    """The check can fail: a barrier in non-uniform control flow, which naga (wgpu) compiles without complaint,
    in one gpu_f16 program fails that variant alone, naming the file."""
    models = tmp_path / "models"
    shutil.copytree(tiny_models / "tiny-llama", models / "tiny-llama")
    manifest = json.loads((models / "tiny-llama" / "manifest.json").read_text())
    name, entry = next((n, k["variants"]["gpu_f16"]) for n, k in sorted(manifest["kernels"].items())
                       if "workgroupBarrier();" in (models / "tiny-llama" / k["variants"]["gpu_f16"]["file"]).read_text())
    path = models / "tiny-llama" / entry["file"]
    src = path.read_text()
    path.write_text(src.replace("workgroupBarrier();", "if (lid == 0u) { workgroupBarrier(); }", 1))
    result = check(node, models, "tiny-llama", variants=["gpu", "gpu_f16"])
    assert result["gpu"]["ok"], result["gpu"]["error"]
    assert not result["gpu_f16"]["ok"]
    assert entry["file"] in result["gpu_f16"]["error"] and "uniform control flow" in result["gpu_f16"]["error"]


@pytest.mark.real_model
def test_every_variant_of_smollm2_passes_dawn(node, smollm2_artifact):
    """Every program of every variant's tiled chain (its step lengths come from the manifest), a two-slot step,
    a decode row fed by the previous step's id, and stages fed activations as a swarm worker's range is."""
    art, _ = smollm2_artifact
    result = check(node, art.parent, art.name)
    assert_all_pass(result)


@pytest.mark.real_model
def test_every_variant_of_minilm_passes_dawn(node, tmp_path_factory):
    bundled("minilm")
    models = tmp_path_factory.mktemp("dawn_minilm")
    compile_source("minilm", models / "minilm", model_id="minilm", progress=False)
    assert_all_pass(check(node, models, "minilm", kind="encoder"))


# Variants by the adapter feature they need (compiler.kernels.VARIANTS' requirements, as the runtimes check them).
NEEDS = {"gpu_sg": "subgroups", "gpu_f16": "shader-f16"}


def test_every_variant_runs_on_dawn_like_native(node, tiny_models, dawn_vulkan):
    """On a real adapter, Dawn runs the browser runtime's every variant that the adapter offers (gpu_f16 where it
    has shader-f16) and each generates the native runtime's greedy tokens, with its first logits within float
    rounding. Where the machine has no GPU, Dawn runs on Chromium's SwiftShader (the dawn_vulkan fixture)."""
    import numpy as np

    from compiler.native.batch import Sampling
    from compiler.native.model import Model
    from compiler.native.stage import submit_cuts

    art = tiny_models / "tiny-llama"
    prompt = [1 + (7 * i) % 50 for i in range(70)]   # past the GPU variants' tiled min_rows (64)
    probe = run_check(node, tiny_models, "tiny-llama", variants=[], backend="vulkan")
    offered = [v for v in VARIANTS if NEEDS.get(v, "") in probe["adapter"]["features"] + [""]]
    result = run_check(node, tiny_models, "tiny-llama", variants=offered, backend="vulkan",
                       generate={"prompt": prompt, "tokens": 6})
    assert_all_pass(result["variants"], offered)
    assert ("gpu_f16" in offered) == ("shader-f16" in probe["adapter"]["features"])
    for v in offered:
        model = Model.load(art, variant=v)
        want = list(model.generate(prompt, max_tokens=6, sampling=Sampling(temperature=0), keep_logits=True))
        got = result["variants"][v]
        assert got["ids"] == want, (v, probe["adapter"]["name"])
        # The prompt's step went in several submits on GPU variants (chain.js submitCuts), in one on CPU ones;
        # decode steps always in one.
        assert got["submits"][0] == (1 if v.startswith("cpu") else 1 + len(submit_cuts(got["dispatches"]))), v
        assert set(got["submits"][1:]) == {1}, v
        ref = np.asarray(model.timings.first_logits)
        # Another compiler and driver: SwiftShader's and llvmpipe's cpu programs differed by 2e-4 of the largest logit.
        tol = 2e-2 if v == "gpu_f16" else 1e-3
        np.testing.assert_allclose(np.asarray(got["logits"]), ref, atol=tol * np.abs(ref).max(), err_msg=v)
