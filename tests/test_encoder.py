"""Encoders end to end: import of an HF BERT directory (sentence-transformers layout), the fused graph and artifact,
the numpy interpreter against an independent padded-batch BERT, the GPU against the interpreter (tiny BERT, both
kernel variants, f32 and f16, several steps), and the bundled all-MiniLM-L6-v2 against sentence-transformers."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from compiler.errors import LimitError, ModelFormatError
from compiler.importers import load_model
from tests.tiny_bert import SENTENCES, make_tiny_bert
from tests.conftest import bundled

FIXTURE = Path(__file__).parent / "fixtures" / "minilm_st_reference.json"


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="module")
def tiny_artifact(tiny_dir, tmp_path_factory):
    """(artifact dir, manifest) with f32 weights and 48 rows per step, so a batch takes several steps."""
    from compiler.build import compile_source

    out = tmp_path_factory.mktemp("tiny-bert-art") / "tiny-bert"
    manifest, _ = compile_source(tiny_dir, out, model_id="tiny-bert", weights="f32", max_tokens=48)
    return out, manifest


def ids_of(model, texts):
    from compiler.native.encoder import truncate

    return [truncate(model.tokenizer.encode(t).ids, model.config.max_seq_length) for t in texts]


# ---------------------------------------------------------------- import


def test_import_maps_names_stacks_qkv_and_folds_token_types(tiny_dir):
    from safetensors.numpy import load_file

    hf = load_file(str(tiny_dir / "model.safetensors"))
    m = load_model(tiny_dir, weights="f32")
    c = m.config
    assert (c.arch, c.hidden_act, c.pooling, c.normalize, c.max_seq_length) == ("bert", "gelu_erf", "mean", True, 40)
    qkv = m.tensors["blk.1.attn_qkv.weight"].data
    np.testing.assert_array_equal(qkv, np.concatenate([hf[f"encoder.layer.1.attention.self.{p}.weight"]
                                                       for p in ("query", "key", "value")]))
    np.testing.assert_array_equal(m.tensors["position_embd.weight"].data,
                                  hf["embeddings.position_embeddings.weight"] + hf["embeddings.token_type_embeddings.weight"][0])
    assert not any(n.startswith("pooler") or "position_ids" in n for n in m.tensors)
    f16 = load_model(tiny_dir)   # the default: matrices in f16, vectors and the position table in f32
    assert f16.tensors["blk.0.ffn_up.weight"].fmt == "f16" and f16.tensors["token_embd.weight"].fmt == "f16"
    assert f16.tensors["blk.0.ffn_up.bias"].fmt == "f32" and f16.tensors["position_embd.weight"].fmt == "f32"


def test_tokenizer_file_settings_are_switched_off(tiny_dir):
    """tokenizer.json pads and truncates to 16 (as MiniLM's file does to 128); we cut to max_seq_length ourselves."""
    m = load_model(tiny_dir)
    ids = m.tokenizer.encode(SENTENCES[3]).ids
    assert len(ids) == 33 and ids[0] == 2 and ids[-1] == 3 and 0 not in ids   # [CLS] ... [SEP], no [PAD]
    from compiler.native.encoder import truncate

    cut = truncate(ids, 10)
    assert len(cut) == 10 and cut[:9] == ids[:9] and cut[-1] == 3
    assert truncate(ids[:5], 10) == ids[:5]


@pytest.mark.parametrize("change, message", [
    ({"pooling": "max"}, r"pooling pooling_mode_max_tokens is not supported"),
    ({"hidden_act": "relu"}, r"hidden_act 'relu' is not supported"),
])
def test_unsupported_settings_are_refused_by_name(tmp_path, change, message):
    d = make_tiny_bert(tmp_path / "m", **change)
    with pytest.raises(ModelFormatError, match=message):
        load_model(d)


def test_without_sentence_transformers_files(tmp_path):
    m = load_model(make_tiny_bert(tmp_path / "m", sentence_transformers=False, hidden_act="gelu_new"))
    c = m.config
    assert (c.pooling, c.normalize, c.max_seq_length, c.hidden_act) == ("mean", False, 64, "gelu")


# ---------------------------------------------------------------- graph and artifact


def test_fused_encoder_layer(tiny_dir):
    from compiler.bert import expected_bert_shapes
    from compiler.encoder import build_encoder_graph, fuse_encoder
    from compiler.passes import plan_buffers
    from compiler.shapes import infer_shapes

    cfg = load_model(tiny_dir).config
    fg = fuse_encoder(infer_shapes(build_encoder_graph(cfg), expected_bert_shapes(cfg)))
    ops = fg.graph.ops
    assert [op.kind for op in ops if op.unit == "embed"] == ["embedding", "layernorm"]
    layer = [op for op in ops if op.unit == "layer.0"]
    assert [op.kind for op in layer] == ["matmul", "encoder_attention", "matmul", "layernorm", "matmul", "matmul",
                                         "layernorm"]
    qkv, _, o, ln1, up, down, ln2 = layer
    assert qkv.attrs["bias"] and "residual" not in qkv.attrs and "prologue" not in qkv.attrs
    assert o.attrs["residual"] and down.attrs["residual"] and up.attrs["act"] == "gelu_erf"
    assert ln1.attrs["inplace"] and ln2.attrs["inplace"]
    assert [(op.kind, op.attrs) for op in ops if op.unit == "pool"] == [("pool", {"mode": "mean", "normalize": True})]
    bp = plan_buffers(fg, max_tokens=48)
    # The residual stream stays in x from the embedding to the pool; scratch is two buffers.
    stream = [op.outputs[0] for op in ops if op.kind in ("embedding", "layernorm")] + [o.outputs[0], down.outputs[0]]
    assert {bp.of_value[v] for v in stream} == {"x"}
    assert sorted(b for b, k in bp.kinds.items() if k == "activation") == ["act.0", "act.1"]
    assert bp.shapes["embeddings"] == ("O", cfg.d_model) and bp.kinds["embeddings"] == "io"


def test_artifact_units_roles_and_bindings(tiny_artifact):
    from compiler.manifest import validate_manifest

    out, m = tiny_artifact
    validate_manifest(m, "tiny")
    units = m["plan"]["units"]
    assert [u["role"] for u in units] == ["embed", "layer", "layer", "pool"]
    assert [len(u["dispatches"]) for u in units] == [2, 7, 7, 1]
    assert [r["buffer"] for r in units[0]["reads"]] == ["tokens"] and units[-1]["writes"][-1]["buffer"] == "embeddings"
    assert all(u["state"] == [] for u in units), "an encoder keeps no cache"
    assert m["limits"]["max_context"] == 40 and m["limits"]["max_tokens_per_step"] == 48
    tok = json.loads((out / "tokenizer.json").read_text())
    assert tok["truncation"] is None and tok["padding"] is None and tok["model"]["type"] == "WordPiece"
    for u in units:
        for d in u["dispatches"]:
            kernel = m["kernels"][d["kernel"]]
            writable = {d["bind"][b["name"]] for b in kernel["bindings"] if b["type"] == "read_write"}
            bound = [d["bind"][b["name"]] for b in kernel["bindings"] if b["type"] != "uniform"]
            # WebGPU forbids a writable buffer bound twice in one dispatch; two read-only bindings are fine.
            assert all(bound.count(w) == 1 for w in writable), d


def test_step_must_hold_a_whole_sentence(tiny_dir, tmp_path):
    from compiler.build import compile_source

    with pytest.raises(LimitError, match="--step-tokens 16 is less than the context of 40"):
        compile_source(tiny_dir, tmp_path / "a", max_tokens=16)
    with pytest.raises(LimitError, match="--context 65 is more than .* 64 positions"):
        compile_source(tiny_dir, tmp_path / "a", max_context=65)


def test_plan_steps_packs_whole_sentences_in_order():
    from compiler.native.encoder import pack_step, plan_steps

    assert plan_steps([5, 5, 5], 10, 8) == [[0, 1], [2]]
    assert plan_steps([2] * 5, 100, 2) == [[0, 1], [2, 3], [4]]
    assert plan_steps([10, 1], 10, 8) == [[0], [1]]
    with pytest.raises(ValueError, match="sentence 1 has 11 tokens"):
        plan_steps([3, 11], 10, 8)
    step = pack_step([[7, 8, 9], [4], [5, 6]])
    assert [(r.slot, r.pos, r.token) for r in step.rows] == [(0, 0, 7), (0, 1, 8), (0, 2, 9), (1, 0, 4), (2, 0, 5),
                                                           (2, 1, 6)]
    assert [o.row for o in step.outputs] == [2, 3, 5]


# ---------------------------------------------------------------- the numpy reference


def padded_bert(d: Path, batch: list[list[int]]) -> np.ndarray:
    """An independent BERT in the padded, masked form HF runs (BertModel + sentence-transformers' mean pooling and
    Normalize), straight from the HF tensors: separate Q/K/V, token types added, -inf on padded keys."""
    from safetensors.numpy import load_file

    from compiler import reference as R

    w = load_file(str(d / "model.safetensors"))
    cfg = json.loads((d / "config.json").read_text())
    H, L = cfg["num_attention_heads"], cfg["num_hidden_layers"]
    n = max(len(s) for s in batch)
    ids = np.array([s + [0] * (n - len(s)) for s in batch])
    mask = np.array([[1] * len(s) + [0] * (n - len(s)) for s in batch], np.float32)
    ln = lambda x, p: R.layernorm(x, w[p + ".weight"], w[p + ".bias"], cfg["layer_norm_eps"])  # noqa: E731
    lin = lambda x, p: x @ w[p + ".weight"].T + w[p + ".bias"]  # noqa: E731
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = ln(x, "embeddings.LayerNorm")
    B, D = len(batch), x.shape[-1]
    hd = D // H
    for i in range(L):
        p = f"encoder.layer.{i}."
        q, k, v = (lin(x, p + f"attention.self.{t}").reshape(B, n, H, hd).transpose(0, 2, 1, 3)
                   for t in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd) + (1 - mask)[:, None, None, :] * -1e30
        a = np.exp(s - s.max(-1, keepdims=True))
        a = (a / a.sum(-1, keepdims=True)) @ v
        x = ln(x + lin(a.transpose(0, 2, 1, 3).reshape(B, n, D), p + "attention.output.dense"),
               p + "attention.output.LayerNorm")
        h = R.gelu_erf(lin(x, p + "intermediate.dense"))
        x = ln(x + lin(h, p + "output.dense"), p + "output.LayerNorm")
    pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    return R.l2_normalize(pooled)


def test_interpreter_matches_a_padded_batch_bert(tiny_dir):
    from compiler.encoder_reference import EncoderInterpreter

    m = load_model(tiny_dir, weights="f32")
    batch = ids_of(m, SENTENCES)
    want = padded_bert(tiny_dir, batch)
    interp = EncoderInterpreter(m)
    np.testing.assert_allclose(interp.embed_ids(batch), want, rtol=1e-4, atol=1e-5)
    # One packed step of every sentence gives what each sentence gives alone.
    rows = [(i, p, t) for i, s in enumerate(batch) for p, t in enumerate(s)]
    last = list(np.cumsum([len(s) for s in batch]) - 1)
    np.testing.assert_allclose(interp.run(rows, last), want, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- GPU


@pytest.mark.gpu
@pytest.mark.parametrize("variant", ["cpu", "gpu"])
def test_gpu_matches_the_interpreter(gpu, tiny_dir, tiny_artifact, variant):
    """Batches of different lengths, packed into several steps of 48 rows, against each sentence run alone."""
    from compiler.encoder_reference import EncoderInterpreter
    from compiler.native.encoder import Encoder

    enc = Encoder.load(tiny_artifact[0], variant=variant)
    interp = EncoderInterpreter(load_model(tiny_dir, weights="f32"))
    texts = SENTENCES + ["the dog", "hello world, the cat is eating!"] * 3
    encoded = enc.encode(texts)
    assert [e.ids for e in encoded] == ids_of(interp.model, texts)
    got = enc.embed(texts)
    np.testing.assert_allclose(got, interp.embed_ids([e.ids for e in encoded]), rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(enc.embed(texts[2:3]), got[2:3], rtol=1e-6, atol=1e-7)   # alone == batched
    assert enc.embed([]).shape == (0, 32)


@pytest.mark.gpu
def test_gpu_f16_weights_and_truncation(gpu, tiny_dir, tmp_path):
    """f16 matrices (the default) against the interpreter on the same f16 weights; a context of 12 cuts the long
    sentence, keeping [SEP], and truncate=False refuses it instead."""
    from compiler.build import compile_source
    from compiler.encoder_reference import EncoderInterpreter
    from compiler.native.encoder import Encoder

    compile_source(tiny_dir, tmp_path / "art", model_id="tiny-bert", max_context=12, max_tokens=24)
    enc = Encoder.load(tmp_path / "art")
    encoded = enc.encode(SENTENCES)
    assert [e.truncated for e in encoded] == [False, False, False, True, False]
    assert len(encoded[3].ids) == 12 and encoded[3].tokens == 33 and encoded[3].ids[-1] == 3
    want = EncoderInterpreter(load_model(tiny_dir)).embed_ids([e.ids for e in encoded])
    np.testing.assert_allclose(enc.embed(SENTENCES), want, rtol=1e-5, atol=2e-6)
    with pytest.raises(LimitError, match="text 3 is 33 tokens; tiny-bert embeds at most 12"):
        enc.embed(SENTENCES, truncate=False)


# ---------------------------------------------------------------- all-MiniLM-L6-v2


@pytest.fixture(scope="module")
def minilm_reference():
    return json.loads(FIXTURE.read_text())


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.mark.real_model
def test_minilm_tokenizer_and_interpreter_match_sentence_transformers(minilm_reference):
    from compiler.encoder_reference import EncoderInterpreter

    bundled("minilm")
    m = load_model("minilm")
    ref = minilm_reference["sentences"]
    assert (m.config.max_seq_length, m.config.d_model) == (minilm_reference["max_seq_length"], minilm_reference["dim"])
    ids = ids_of(m, [s["text"] for s in ref])
    assert ids == [s["ids"] for s in ref]
    assert [len(m.tokenizer.encode(s["text"]).ids) for s in ref] == [s["tokens_before_truncation"] for s in ref]
    # The interpreter on two short sentences is enough here (it runs the 256-token one in seconds, but slowly).
    got = EncoderInterpreter(m).embed_ids(ids[:2])
    assert cosines(got, np.array([s["embedding"] for s in ref[:2]])).min() >= 0.9999


@pytest.mark.gpu
@pytest.mark.real_model
def test_minilm_native_matches_sentence_transformers(gpu, minilm_artifact, minilm_reference):
    from compiler.native.encoder import Encoder

    enc = Encoder.load(minilm_artifact[0])
    ref = minilm_reference["sentences"]
    got = enc.embed([s["text"] for s in ref])
    cos = cosines(got, np.array([s["embedding"] for s in ref]))
    assert cos.min() >= 0.9999, cos
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_numpy_control_words_are_pack_ctl_byte_for_byte(tiny_artifact):
    from compiler.native.batch import pack_ctl
    from compiler.native.encoder import encoder_ctl, pack_step

    layout = tiny_artifact[1]["params"]
    for lengths in ([1], [3, 1, 12, 2], [24, 24]):
        sentences = [list(range(5, 5 + n)) for n in lengths]
        assert encoder_ctl(layout, lengths) == pack_ctl(layout, pack_step(sentences))


@pytest.mark.gpu
def test_embed_ids_refuses_ids_outside_the_vocabulary(gpu, tiny_artifact):
    from compiler.native.encoder import Encoder

    enc = Encoder.load(tiny_artifact[0])
    with pytest.raises(ValueError, match="token id 99 is outside the vocabulary"):
        enc.embed_ids([[2, 5, 3], [2, 99, 3]])
    with pytest.raises(LimitError, match="sentence 0 has 0 tokens"):
        enc.embed_ids([[]])
