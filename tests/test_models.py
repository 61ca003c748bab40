"""Whole models: the numpy interpreter and the compiled WGSL give identical greedy tokens (tiny llama GGUF, tiny
llama and gpt2 HF directories, both kernel variants), and chunked prefill equals one-shot prefill."""
from __future__ import annotations

import json

import numpy as np
import pytest

from compiler.build import compile_model
from compiler.importers import load_model
from compiler.reference import Interpreter
from compiler.native.model import Model, Sampling
from tests.tiny_models import make_tiny_gpt2, make_tiny_hf_llama, make_tiny_llama

pytestmark = pytest.mark.gpu
PROMPT = "the cat is on the mat in the hat"


@pytest.fixture(scope="module", params=["llama", "gpt2", "hf-llama"])
def tiny(request, tmp_path_factory):
    d = tmp_path_factory.mktemp(request.param)
    make = {"llama": make_tiny_llama, "gpt2": lambda d: make_tiny_gpt2(d / "hf"),
            "hf-llama": lambda d: make_tiny_hf_llama(d / "hf")}[request.param]
    src = make(d)
    model = load_model(src)
    art = d / "artifact"
    compile_model(model, art, model_id=f"tiny-{request.param}", max_context=96, max_tokens=4)
    return model, art


@pytest.mark.parametrize("variant", ["cpu", "gpu"])
def test_greedy_tokens_match_the_interpreter(gpu, tiny, variant):
    model, art = tiny
    ids = model.tokenizer.encode(PROMPT).ids
    assert len(ids) > 4, "the prompt must span several prefill chunks"
    want = Interpreter(model, 96).greedy(ids, 12)
    m = Model.load(art, variant=variant, gpu=gpu)
    got = list(m.generate(ids, max_tokens=12, stop_at_eos=False))
    assert got == want
    assert len(set(got)) > 2, "a degenerate model would make this test too easy"


def test_logits_match_the_interpreter(gpu, tiny):
    model, art = tiny
    m = Model.load(art, gpu=gpu)
    interp = Interpreter(model, 96)
    for text in ("the", PROMPT, "in the hat on the mat"):
        ids = model.tokenizer.encode(text).ids
        interp.reset()
        np.testing.assert_allclose(m.logits_for(ids), interp.step(ids), rtol=1e-4, atol=1e-4)


def test_sampling_is_seeded(gpu, tiny):
    model, art = tiny
    m = Model.load(art, gpu=gpu)
    ids = model.tokenizer.encode(PROMPT).ids
    s = Sampling(temperature=1.0, top_k=40, top_p=0.95, seed=123)
    a = list(m.generate(ids, max_tokens=10, sampling=s, stop_at_eos=False))
    b = list(m.generate(ids, max_tokens=10, sampling=s, stop_at_eos=False))
    c = list(m.generate(ids, max_tokens=10, sampling=Sampling(temperature=1.0, seed=7), stop_at_eos=False))
    assert a == b
    assert a != c


def test_generation_stops_at_the_context_end(gpu, tiny):
    model, art = tiny
    m = Model.load(art, gpu=gpu)
    ids = model.tokenizer.encode(PROMPT).ids
    got = list(m.generate(ids, max_tokens=500, stop_at_eos=False))
    assert len(ids) + len(got) == m.max_context


def test_prompt_longer_than_context_is_a_clear_error(gpu, tiny):
    from compiler.errors import LimitError

    model, art = tiny
    m = Model.load(art, gpu=gpu)
    with pytest.raises(LimitError, match="context of 96 tokens"):
        list(m.generate([5] * 200, max_tokens=2))


def test_weights_split_for_binding_limits_give_the_same_tokens(gpu, tmp_path):
    from compiler.kernels import DEFAULT_LIMITS

    model = load_model(make_tiny_llama(tmp_path))
    limits = dict(DEFAULT_LIMITS, max_storage_buffer_binding_size=4096)
    manifest = compile_model(model, tmp_path / "split", model_id="split", max_context=32, max_tokens=4, limits=limits)
    assert sum("#" in w for w in manifest["weights"]) > 4
    ids = model.tokenizer.encode(PROMPT).ids
    want = Interpreter(model, 32).greedy(ids, 8)
    for variant in ("cpu", "gpu"):
        m = Model.load(tmp_path / "split", variant=variant, gpu=gpu)
        assert list(m.generate(ids, max_tokens=8, stop_at_eos=False)) == want


def test_kv_cache_prefix_reuse_gives_the_same_tokens(gpu, tiny):
    """A second prompt that extends the first (the next chat turn) prefills only the new tokens."""
    model, art = tiny
    m = Model.load(art, gpu=gpu)
    fresh = Model.load(art, gpu=gpu)
    turn1 = model.tokenizer.encode("the cat is on").ids
    reply = list(m.generate(turn1, max_tokens=5, stop_at_eos=False))
    turn2 = turn1 + reply + model.tokenizer.encode(" the mat in the hat").ids
    got = list(m.generate(turn2, max_tokens=8, stop_at_eos=False))
    # Every prompt token and every token a decode step consumed is reused: only the new text runs.
    assert m.timings.prefilled_tokens == len(turn2) - len(turn1) - len(reply) + 1
    assert got == list(fresh.generate(turn2, max_tokens=8, stop_at_eos=False))
    # A prompt that diverges early recomputes from the divergence, and an abandoned generator changes nothing.
    gen = m.generate(turn1[:2] + [5, 6, 7], max_tokens=6, stop_at_eos=False)
    next(gen)
    other = turn1[:3] + [9, 9]
    want = list(fresh.generate(other, max_tokens=6, stop_at_eos=False))
    assert list(m.generate(other, max_tokens=6, stop_at_eos=False)) == want
    del gen
    assert list(m.generate(other + [4], max_tokens=4, stop_at_eos=False)) == list(fresh.generate(other + [4], max_tokens=4, stop_at_eos=False))


def test_qkv_in_different_formats_still_fuse(gpu, tmp_path):
    """Q and K in q4_1 but V in q8_0 (as some GGUF quant mixes do): one dispatch per format, each with the rope_kv
    epilogue for its own pairs, same tokens."""
    model = load_model(make_tiny_llama(tmp_path, formats={"attn_v": "q8_0"}))
    manifest = compile_model(model, tmp_path / "mixed", model_id="mixed", max_context=64, max_tokens=4)
    layer0 = next(u for u in manifest["plan"]["units"] if u["name"] == "layer.0")
    assert [manifest["kernels"][d["kernel"]]["op"] for d in layer0["dispatches"]][:3] == ["matmul", "matmul", "attention"]
    assert [d["bind"]["w"] for d in layer0["dispatches"][:2]] == ["blk.0.attn_q+attn_k.weight", "blk.0.attn_v.weight"]
    ids = model.tokenizer.encode(PROMPT).ids
    want = Interpreter(model, 64).greedy(ids, 8)
    assert list(Model.load(tmp_path / "mixed", gpu=gpu).generate(ids, max_tokens=8, stop_at_eos=False)) == want


@pytest.mark.parametrize("variant", ["gpu", "gpu_sg", "gpu_f16"])
def test_a_long_prompt_step_runs_the_tiled_matmuls(gpu, tmp_path, variant):
    """A step of at least MATMUL_TILED's min_rows rows runs the GPU variants' tiled GEMM (its own programs): the
    logits and greedy tokens still match the interpreter, through chunked prefill into a partly filled cache.
    gpu_f16's GEMM rounds to f16 within each slice of k: its logits are checked to 1% of the largest."""
    from compiler.kernels import MATMUL_TILED

    model = load_model(make_tiny_llama(tmp_path))
    art = tmp_path / "artifact"
    compile_model(model, art, model_id="tiny-long", max_context=128, max_tokens=96)
    ids = (model.tokenizer.encode(PROMPT + " and ").ids * 20)[:112]
    assert len(ids) - 96 < MATMUL_TILED[variant]["min_rows"] <= 96   # a tiled chunk, then a short one
    m = Model.load(art, variant=variant, gpu=gpu)
    interp = Interpreter(model, 128)
    want = interp.step(ids)
    tol = 1e-2 * float(np.abs(want).max()) if MATMUL_TILED[variant].get("f16") else 1e-4
    np.testing.assert_allclose(m.logits_for(ids), want, rtol=tol, atol=tol)
    assert any(k.endswith("#tiled") for k in m.chain.ws.ex.pipelines), "no tiled program was built"
    cpu = Model.load(art, variant="cpu", gpu=gpu).chain.ws.ex
    assert any(k.startswith("attention_tiled") for k in cpu.programs), "every variant binds the kernel"
    assert not any(k.startswith("attention_tiled") for k in cpu.pipelines), "a CPU adapter never runs it: no pipeline"
    assert list(m.generate(ids, max_tokens=8, stop_at_eos=False)) == Interpreter(model, 128).greedy(ids, 8)
    # The spans' scratch holds the 63 rows of the longest step that splits attention, not the artifact's 96; a
    # 63-row step fills it to its last row.
    parts = json.loads((art / "manifest.json").read_text())["buffers"]["attn.part"]["shape"]
    assert parts[0] == MATMUL_TILED[variant]["min_rows"] - 1 == 63
    short = ids[::-1][:63]
    np.testing.assert_allclose(m.logits_for(short), Interpreter(model, 128).step(short), rtol=tol, atol=tol)
