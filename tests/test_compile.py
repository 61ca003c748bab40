"""Compiler without an adapter: graph building, fusion, buffer planning, and the SmolLM2 artifact's manifest —
every kernel within WebGPU's default limits, shards <= 32 MiB grouped by unit, hashes that match."""
from __future__ import annotations

import hashlib
import json

import pytest

from compiler.importers import expected_shapes
from compiler.ir import build_graph
from compiler.kernels import DEFAULT_LIMITS
from compiler.model import ModelConfig
from compiler.passes import fuse, plan_buffers, shape_bytes
from compiler.shapes import ShapeError, infer_shapes


def cfg(arch="llama", layers=2):
    return ModelConfig(arch=arch, n_layers=layers, d_model=64, n_heads=4, n_kv_heads=2 if arch == "llama" else 4,
                       d_ff=96, vocab_size=300, context_length=64, norm_eps=1e-5,
                       rope_style="interleaved" if arch == "llama" else "none")


def fused_ops(arch):
    g = infer_shapes(build_graph(cfg(arch), {}), expected_shapes(cfg(arch)))
    return fuse(g)


# Llama's QKV matmul takes the rope_kv epilogue; GPT-2's (bias, layernorm) keeps its own rope_kv op.
@pytest.mark.parametrize("arch,qkv", [("llama", ["matmul"]), ("gpt2", ["matmul", "rope_kv"])])
def test_fusion_leaves_five_or_six_ops_per_layer(arch, qkv):
    fg = fused_ops(arch)
    per_layer = [op.kind for op in fg.graph.ops if op.unit == "layer.0"]
    assert per_layer == qkv + ["attention", "matmul", "matmul", "matmul"]
    if arch == "llama":
        assert fg.graph.ops[[op.unit for op in fg.graph.ops].index("layer.0")].attrs["act"] == "rope_kv"
    kinds = {op.kind for op in fg.graph.ops if op.unit != "head"}
    assert not kinds & {"rmsnorm", "layernorm", "add", "silu_mul", "gelu", "rope", "kv_write", "split", "take_last"}
    # The head keeps its norm as a one-row kernel (cheaper than a prologue in every LM-head workgroup).
    assert [op.kind for op in fg.graph.ops if op.unit == "head"] == ["rmsnorm" if arch == "llama" else "layernorm", "matmul"]


def test_the_output_projection_merges_attention_spans_only_where_the_kernels_can():
    from compiler.kernels import can_merge_attention

    assert can_merge_attention(9, 64)            # SmolLM2
    assert not can_merge_attention(32, 64)       # Llama-3.2-1B: 2 rows of x and their spans do not fit 16 KiB
    assert not can_merge_attention(18, 128)      # q_dim 2304 > max_k: no tiled program for long prompts
    fg = fused_ops("llama")
    att = next(op for op in fg.graph.ops if op.kind == "attention")
    assert att.attrs["merged_by_consumer"]
    assert fg.graph.ops[fg.graph.consumers()[att.outputs[0]][0]].attrs["merge"] == {"heads": 4, "head_dim": 16}


def test_llama_fusions_concatenate_qkv_and_gate_up():
    fg = fused_ops("llama")
    assert fg.concat["blk.0.attn_q+attn_k+attn_v.weight"] == ["blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight"]
    assert fg.concat["blk.0.ffn_gate+ffn_up.weight"] == ["blk.0.ffn_gate.weight", "blk.0.ffn_up.weight"]
    mm = [op for op in fg.graph.ops if op.unit == "layer.0" and op.kind == "matmul"]
    assert mm[0].attrs["prologue"] == "rmsnorm"
    assert mm[1].attrs["residual"] and mm[3].attrs["residual"]
    assert mm[2].attrs["act"] == "silu_mul"
    norm, head = [op for op in fg.graph.ops if op.unit == "head"]
    assert norm.attrs["gather"] and "prologue" not in head.attrs
    assert fg.graph.values[head.inputs[0]].shape[0] == "O", "the head reads one row per output, not per step row"


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
def test_buffer_plan_reuses_buffers_without_overlap(arch):
    fg = fused_ops(arch)
    bp = plan_buffers(fg, max_tokens=8)
    acts = [b for b, k in bp.kinds.items() if k == "activation"]
    values = [v for v in fg.graph.values.values() if v.kind == "activation"]
    assert len(acts) <= 3 < len(values)
    # No op reads and writes different values that share a buffer (except the in-place residual alias).
    for op in fg.graph.ops:
        ins = {bp.of_value[v] for v in op.inputs if v in bp.of_value}
        outs = {bp.of_value[v] for v in op.outputs if v in bp.of_value}
        shared = ins & outs
        assert not shared or op.attrs.get("residual"), (op, shared)
    assert bp.of_value[fg.graph.ops[0].outputs[0]] == "x"


@pytest.fixture(scope="module")
def smollm2(smollm2_artifact):
    return smollm2_artifact


@pytest.fixture(scope="module", params=["smollm2", "minilm"])
def bundled(request):
    """Each bundled model's artifact: the decoder (SmolLM2) and the encoder (all-MiniLM-L6-v2)."""
    return request.getfixturevalue(f"{request.param}_artifact")


@pytest.mark.real_model
def test_every_kernel_fits_webgpu_default_limits(bundled):
    out, m = bundled
    lim = DEFAULT_LIMITS
    for name, k in m["kernels"].items():
        storage = [b for b in k["bindings"] if b["type"] != "uniform"]
        assert len(storage) <= lim["max_storage_buffers_per_stage"], name
        for vname, v in k["variants"].items():
            x, y, z = v["workgroup_size"]
            assert x * y * z <= lim["max_invocations_per_workgroup"], (name, vname)
            assert v["workgroup_bytes"] <= lim["max_workgroup_storage_bytes"], (name, vname)
            assert (out / v["file"]).read_text().count("@binding(") == len(k["bindings"])
            for count, div in v["dispatch"]:
                n = m["limits"]["max_tokens_per_step"] if count in ("T", "O") else count
                assert -(-n // div) <= lim["max_workgroups_per_dimension"], (name, vname)
    for name, w in m["weights"].items():
        assert w["bytes"] <= lim["max_storage_buffer_binding_size"], name
    one_slot = {"T": m["limits"]["max_tokens_per_step"], "O": m["limits"]["max_tokens_per_step"], "S": 1,
                "C": m["limits"]["max_context"]}
    for name, b in m["buffers"].items():
        assert shape_bytes(b["shape"], one_slot) <= lim["max_storage_buffer_binding_size"], name


@pytest.mark.real_model
def test_no_dispatch_binds_one_buffer_twice(smollm2):
    # Dawn rejects a buffer bound both read-only and writable in one dispatch (wgpu accepts it).
    _, m = smollm2
    for unit in m["plan"]["units"]:
        for d in unit["dispatches"]:
            names = list(d["bind"].values())
            assert len(names) == len(set(names)), d


@pytest.mark.real_model
def test_shards_are_grouped_by_unit_capped_and_hashed(smollm2):
    out, m = smollm2
    units = [u["name"] for u in m["plan"]["units"]]
    assert units[0] == "embed" and units[-2:] == ["head", "sample"]
    assert [u for u in units if u.startswith("layer.")] == [f"layer.{i}" for i in range(30)]
    for s in m["shards"]:
        blob = (out / s["file"]).read_bytes()
        assert len(blob) == s["bytes"] <= 32 << 20
        assert hashlib.sha256(blob).hexdigest() == s["sha256"]
        assert s["sha256"][:16] in s["file"], "shard names are content-addressed"
    # A worker for layer 7 needs exactly the shards whose `units` name it.
    layer7 = [s for s in m["shards"] if "layer.7" in s["units"]]
    assert layer7 and all(s["units"] == ["layer.7"] for s in layer7)
    # Quantized weights stay quantized: the artifact is about the GGUF's size, not an f32 expansion.
    assert m["stats"]["weight_bytes"] < 110 << 20
    assert m["weights"]["blk.0.attn_q+attn_k+attn_v.weight"]["format"] == "q4_1"
    assert m["weights"]["token_embd.weight"]["format"] == "q8_0"
    assert json.loads((out / "tokenizer.json").read_text())["model"]["type"] == "BPE"


@pytest.mark.real_model
def test_dispatch_count(smollm2):
    _, m = smollm2
    # embed, layers (qkv with rope_kv, attention, o merging gpu's attention spans, gate|up, down), norm + head, sample
    n = 1 + 30 * 5 + 3
    assert m["stats"]["dispatches_per_decode_token_by_variant"] == {v: n for v in ("cpu", "cpu_sw", "gpu", "gpu_sg", "gpu_f16")}
    assert m["stats"]["dispatches_per_decode_token"] == n


def test_weights_over_the_binding_limit_are_split(tmp_path):
    from compiler.importers import load_model
    from tests.tiny_models import make_tiny_llama

    model = load_model(make_tiny_llama(tmp_path))
    from compiler.build import compile_model

    limits = dict(DEFAULT_LIMITS, max_storage_buffer_binding_size=4096)
    m = compile_model(model, tmp_path / "art", model_id="tiny", max_context=32, max_tokens=4, limits=limits)
    parts = [w for w in m["weights"] if w.startswith("token_embd.weight#")]
    assert len(parts) > 1
    assert all(m["weights"][p]["bytes"] <= 4096 for p in parts)
    embed = next(u for u in m["plan"]["units"] if u["name"] == "embed")
    assert len(embed["dispatches"]) == len(parts)


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
def test_shape_inference_sizes_every_value(arch):
    c = cfg(arch)
    g = infer_shapes(build_graph(c, {}), expected_shapes(c))
    assert all(v.shape is not None for v in g.values.values())
    assert g.values["logits"].shape == ("O", 300)
    assert g.values["sampled"].shape == ("O",)
    q = next(op for op in g.ops if op.kind == "attention").inputs[0]
    assert g.values[q].shape == ("T", 64)


def test_shape_inference_names_the_misfit_tensor():
    c = cfg("llama")
    shapes = expected_shapes(c) | {"blk.1.ffn_down.weight": (64, 95)}
    with pytest.raises(ShapeError, match=r"layer\.1.*blk\.1\.ffn_down\.weight has 95 columns"):
        infer_shapes(build_graph(c, {}), shapes)


def test_buffers_over_the_binding_limit_are_a_clear_error(tmp_path):
    from compiler.build import compile_model
    from compiler.errors import LimitError
    from compiler.importers import load_model
    from tests.tiny_models import make_tiny_llama

    model = load_model(make_tiny_llama(tmp_path))
    limits = dict(DEFAULT_LIMITS, max_storage_buffer_binding_size=4096)
    with pytest.raises(LimitError, match="buffer .* needs .* bytes, over max_storage_buffer_binding_size 4096"):
        compile_model(model, tmp_path / "art", model_id="tiny", max_context=128, max_tokens=64, limits=limits)
    with pytest.raises(LimitError, match="at least 1"):
        compile_model(model, tmp_path / "art", model_id="tiny", max_tokens=0)


def test_compile_refuses_to_replace_a_directory_it_did_not_write(tmp_path):
    from compiler.errors import ArtifactError

    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    from compiler.build import compile_model
    from compiler.importers import load_model
    from tests.tiny_models import make_tiny_llama

    model = load_model(make_tiny_llama(tmp_path))
    with pytest.raises(ArtifactError, match="not empty and holds no manifest.json"):
        compile_model(model, precious, model_id="tiny", max_context=32, max_tokens=4)
    assert (precious / "notes.txt").read_text() == "keep me"
    # An existing artifact is replaced whole.
    compile_model(model, tmp_path / "art", model_id="a", max_context=32, max_tokens=4)
    compile_model(model, tmp_path / "art", model_id="b", max_context=32, max_tokens=4)
    assert json.loads((tmp_path / "art" / "manifest.json").read_text())["model"]["id"] == "b"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


# ---------------------------------------------------------------- unit interfaces (what a stage boundary carries)


@pytest.fixture(scope="module", params=["llama", "gpt2"])
def tiny_manifest(request, tmp_path_factory):
    from compiler.build import compile_model
    from compiler.importers import load_model
    from tests.tiny_models import make_tiny_gpt2, make_tiny_llama

    d = tmp_path_factory.mktemp(request.param)
    src = make_tiny_llama(d) if request.param == "llama" else make_tiny_gpt2(d / "hf")
    model = load_model(src)
    return model.config, compile_model(model, d / "art", model_id="tiny", max_context=32, max_tokens=4)


def bound(manifest: dict, unit: dict):
    """(buffer, access) of every buffer binding of a unit's dispatches, in dispatch order."""
    for d in unit["dispatches"]:
        for b in manifest["kernels"][d["kernel"]]["bindings"]:
            name = d["bind"].get(b["name"])
            if name in manifest["buffers"]:
                yield name, b["type"]


def test_unit_roles_and_interfaces_match_their_dispatches(tiny_manifest):
    cfg, m = tiny_manifest
    kinds = {n: b["kind"] for n, b in m["buffers"].items()}
    width = {"tokens": 4, "sampled": 4, "x": 4 * cfg.d_model, "logits": 4 * cfg.vocab_size}
    roles = [u["role"] for u in m["plan"]["units"]]
    assert roles == ["embed"] + ["layer"] * cfg.n_layers + ["head", "sample"]
    for unit in m["plan"]["units"]:
        reads, writes, state, scratch_written = [], [], [], set()
        for name, access in bound(m, unit):
            if kinds[name] == "activation":
                # Scratch never carries anything across a unit boundary: written in this unit before it is read.
                assert access == "read_write" or name in scratch_written, (unit["name"], name)
                scratch_written.add(name)
            elif kinds[name] == "state":
                state.append(name)
            elif kinds[name] == "io":
                if access == "read" and name not in writes and name not in reads:
                    reads.append(name)
                if access == "read_write" and name not in writes:
                    writes.append(name)
        assert [r["buffer"] for r in unit["reads"]] == reads, unit["name"]
        assert [w["buffer"] for w in unit["writes"]] == writes, unit["name"]
        assert sorted(unit["state"]) == sorted(set(state)), unit["name"]
        for entry in unit["reads"] + unit["writes"]:
            assert entry["row_bytes"] == width[entry["buffer"]], (unit["name"], entry)
            assert entry["rows"] == ("O" if entry["buffer"] in ("logits", "sampled") else "T")
        if unit["role"] == "layer":
            i = unit["layer"]
            assert sorted(unit["state"]) == [f"k_cache.{i}", f"v_cache.{i}"]
            assert m["buffers"][f"k_cache.{i}"]["shape"][:2] == ["S", "C"]
        else:
            assert unit["state"] == []
    # Each unit reads what the one before it wrote (embed reads the host's tokens and the last step's samples).
    units = m["plan"]["units"]
    for prev, unit in zip(units, units[1:]):
        assert {r["buffer"] for r in unit["reads"]} <= {w["buffer"] for w in prev["writes"]}, unit["name"]
    assert [r["buffer"] for r in units[0]["reads"]] == ["tokens", "sampled"]


def test_params_carry_the_step_layout_and_sampling_defaults(tiny_manifest):
    from compiler import kernels as K

    _, m = tiny_manifest
    p = m["params"]
    assert p["fields"][:2] == [["n_rows", "u32"], ["n_out", "u32"]] and p["bytes"] == 16
    assert p["defaults"] == {"temperature": 0.0, "top_k": 0, "top_p": 1.0, "seed": 0}
    assert p["ctl"]["out_offset_words"] == 4 * len(K.CTL_ROW)
    assert m["buffers"]["ctl"]["shape"] == [p["ctl"]["words"]]
    assert m["format_version"] == 2


def test_context_above_the_trained_context_is_refused_not_clamped(tmp_path):
    from compiler.build import DEFAULT_CONTEXT, compile_model
    from compiler.errors import LimitError
    from compiler.importers import load_model
    from tests.tiny_models import make_tiny_llama

    model = load_model(make_tiny_llama(tmp_path, context=128))
    for asked in (129, 100_000_000):
        with pytest.raises(LimitError, match=rf"--context {asked} is more than tiny-llama's trained context of 128 "
                                             r"tokens; pass --context 128 or less"):
            compile_model(model, tmp_path / "art", model_id="tiny", max_context=asked, max_tokens=4)
    assert not (tmp_path / "art").exists()  # refused before anything was written
    # Left out, the context is the default or the trained one, whichever is smaller.
    assert DEFAULT_CONTEXT > 128
    m = compile_model(model, tmp_path / "art", model_id="tiny", max_tokens=4)
    assert m["limits"]["max_context"] == 128


def test_attention_keeps_as_many_spans_as_the_merging_matmul_can_stage():
    """64 spans where the output projection merges them 2 tokens a tile (SmolLM2's 9 heads of 64); 32 for 12 heads
    of 64 (GPT-2 small), whose projection would otherwise lose the fused merge to an attention_merge dispatch."""
    from compiler import kernels as K

    assert K.attention_splits(9, 64, context=2048, max_rows=512)["gpu"] == 64
    assert K.attention_splits(12, 64, context=1024, max_rows=512)["gpu"] == 32
    assert K.can_merge_attention(9, 64) and K.can_merge_attention(12, 64)
    assert K.attention_splits(9, 64, context=2048, max_rows=512)["cpu"] == 1
