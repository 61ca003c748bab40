"""Every WGSL kernel against its numpy reference, on awkward shapes (1 token, sizes that are not multiples of
the workgroup), in both per-adapter variants. Steps carry rows of several sequences (slots) at their own positions,
packed into the control buffer by the runtime's own packer (compiler/native/batch.py)."""
from __future__ import annotations

import numpy as np
import pytest

from compiler import kernels as K
from compiler import reference as R
from compiler.native.batch import Output, Row, Sampling, Step, pack_ctl
from compiler.native.executor import Executor, KernelProgram, run_kernel
from compiler.quant import dequantize, interleave, quantize, repack, repack_paired, repack_rows

pytestmark = pytest.mark.gpu
VARIANTS = list(K.VARIANTS)   # gpu_sg on lavapipe (subgroups of 8) takes its workgroup-memory fallback
FORMATS = ["f32", "f16", "q4_0", "q4_1", "q8_0"]


@pytest.fixture(scope="module")
def ex(gpu):
    return Executor(gpu.device)


MAX_ROWS = 16   # the control buffer's capacity in these tests


def rng(seed=0):
    return np.random.default_rng(seed)


def close(got, want, variant: str, T: int, rtol=1e-4, atol=2e-4):
    """assert_allclose for a matmul's outputs. gpu_f16's tiled GEMM (steps of min_rows rows or more) multiplies
    and sums slices of 16 k in f16: its outputs are good to about 1e-3 of the largest (2^-11 a rounding)."""
    tiling = K.MATMUL_TILED.get(variant, {})   # (gpu's tolerance holds for the f32 programs gpu_f16 shares)
    if any(t.get("f16") for t in tiling.get("tilings", ())) and T >= tiling["min_rows"]:
        rtol, atol = 4e-3, 4e-3 * float(np.abs(want).max())
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=rtol, atol=atol)


def ctl(rows, outputs=(), max_rows=MAX_ROWS) -> np.ndarray:
    """Control words for rows [(slot, pos) or (slot, pos, src)] and outputs [Output]."""
    step = Step([Row(r[0], r[1], src=r[2]) if len(r) > 2 and r[2] is not None else Row(r[0], r[1], token=0)
                 for r in rows], list(outputs))
    words = np.frombuffer(pack_ctl(K.params_layout(max_rows), step), np.uint32)
    return np.concatenate([words, np.zeros(K.ctl_words(max_rows) - words.size, np.uint32)])


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("fmt", FORMATS)
# 70 and 130 rows: GPU variants run their tiled GEMM (kernels.MATMUL_TILED min_rows), with partial tiles; K = 1536
# is SmolLM2's ffn_down width, whose K groups each take 96 vec4s.
@pytest.mark.parametrize("K_,N,T", [(32, 1, 1), (96, 37, 5), (160, 67, 9), (64, 300, 2), (96, 37, 70), (160, 67, 130),
                                    (1536, 40, 70)])
def test_matmul_plain(ex, variant, fmt, K_, N, T):
    r = rng(K_ + N)
    t = quantize("w", r.standard_normal((N, K_)), fmt)
    x = r.standard_normal((T, K_)).astype(np.float32)
    want = R.matmul(x, dequantize(t))
    k = K.matmul_kernel(fmt, K_, N)
    got = run_kernel(ex, k, variant, {"x": x, "w": repack(t)}, T, out_sizes={"out": want.nbytes})["out"]
    close(got, want, variant, T, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", ["rms_silu", "ln_gelu_bias_res", "outputs_rows", "ln_res_bias", "split_part"])
@pytest.mark.parametrize("T", [6, 70])
def test_matmul_fused(ex, variant, case, T):
    r = rng(7)
    Kd, N = 96, 70
    fmt = "q4_1"
    W = r.standard_normal((N, Kd)).astype(np.float32)
    t = quantize("w", W, fmt)
    x = r.standard_normal((T, Kd)).astype(np.float32)
    nw, nb, b = (r.standard_normal(n).astype(np.float32) for n in (Kd, Kd, N))
    res = r.standard_normal((T, N)).astype(np.float32)
    arrays = {"x": x, "w": repack(t), "norm_w": nw, "norm_b": nb, "bias": b}
    Wd = dequantize(t)
    kw: dict = {}
    n_out = 3
    if case == "rms_silu":
        y = R.matmul(R.rmsnorm(x, nw, 1e-5), Wd)
        want = R.silu_mul(y[:, : N // 2], y[:, N // 2:])
        kw = dict(prologue="rmsnorm", act="silu_mul")
        arrays["w"] = repack_paired(t)   # each half padded to whole row groups
    elif case == "ln_gelu_bias_res":
        want = R.gelu(R.matmul(R.layernorm(x, nw, nb, 1e-5), Wd, b)) + res
        kw = dict(prologue="layernorm", act="gelu", bias=True, residual=True)
        arrays["out"] = res
    elif case == "outputs_rows":   # the LM head: x holds one row per output (n_out), not per step row
        n_out = 3 if T < 64 else T - 1   # the tiled program counts outputs too
        want = R.matmul(R.rmsnorm(x[:n_out], nw, 1e-5), Wd)
        kw = dict(prologue="rmsnorm", rows="O")
    elif case == "ln_res_bias":
        want = R.matmul(R.layernorm(x, nw, nb, 1e-5), Wd, b) + res
        kw = dict(prologue="layernorm", bias=True, residual=True)
        arrays["out"] = res
    else:  # rows 20..49 of a 70-row output, as a weight split across bindings would run
        part = quantize("w", W[20:50], fmt)
        arrays["w"] = repack(part)
        out = np.full((T, N), 7.0, np.float32)
        arrays["out"] = out
        want = out.copy()
        want[:, 20:50] = R.matmul(x, dequantize(part))
        kw = dict(row0=20, out_n=N)
        N = 30
    k = K.matmul_kernel(fmt, Kd, N, eps=1e-5, **kw)
    got = run_kernel(ex, k, variant, arrays, T, out_sizes={"out": want.nbytes}, n_out=n_out)["out"]
    close(got, want, variant, T)


@pytest.mark.parametrize("variant", sorted(K.MATMUL_TILED))
@pytest.mark.parametrize("act", [None, "silu_mul"])
def test_every_tiled_program_of_the_chain_runs_its_rows(ex, variant, act):
    """A GPU matmul chains tiled programs for ever longer steps (kernels.MATMUL_TILED): each runs from its min_rows,
    here at 5 rows past it (a partial tile) on a matrix whose row count divides into no tile."""
    r = rng(11)
    Kd, N = 96, 2002 if act else 1001
    levels = K.tiling_rows(K.MATMUL_TILED[variant], N // 2 if act else N, bool(act), None)
    assert len(levels) == 3 and [m for _, m in levels] == sorted({m for _, m in levels})
    t = quantize("w", r.standard_normal((N, Kd)), "q4_1")
    k = K.matmul_kernel("q4_1", Kd, N, prologue="rmsnorm", act=act)
    chain = k.variants[variant].chain()
    nw = r.standard_normal(Kd).astype(np.float32)
    for depth, (_, min_rows) in enumerate(levels, 1):
        T = min_rows + 5
        assert KernelProgram.from_variant("k", [], k.variants[variant]).for_step(T, 1)[1].source == chain[depth].source
        x = r.standard_normal((T, Kd)).astype(np.float32)
        y = R.matmul(R.rmsnorm(x, nw, 1e-5), dequantize(t))
        want = R.silu_mul(y[:, : N // 2], y[:, N // 2:]) if act else y
        arrays = {"x": x, "w": repack_paired(t) if act else repack(t), "norm_w": nw}
        got = run_kernel(ex, k, variant, arrays, T, out_sizes={"out": want.nbytes})["out"]
        close(got, want, variant, T)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("position", [False, True])
def test_embedding(ex, fmt, position):
    r = rng(3)
    V, D, T = 50, 64, 7
    t = quantize("e", r.standard_normal((V, D)), fmt)
    P = r.standard_normal((40, D)).astype(np.float32)
    toks = np.array([0, 49, 3, 3, 17, 25, 48], np.uint32)
    sampled = np.array([31, 7], np.uint32)
    # Rows of three sequences; rows 2 and 5 take the ids the previous step sampled (outputs 1 and 0).
    rows = [(0, 5), (0, 6), (1, 0, 1), (2, 30), (2, 31), (1, 1, 0), (0, 7)]
    ids = np.array([sampled[rw[2]] if len(rw) > 2 else toks[i] for i, rw in enumerate(rows)], np.uint32)
    want = R.embedding(ids, dequantize(t))
    if position:
        want = R.add_position(want, P, [rw[1] for rw in rows])
    # Two row-parts, as a table over the binding limit is split: each dispatch writes only its own tokens.
    out = None
    for r0, r1 in ((0, 25), (25, 50)):
        w = interleave(repack_rows(t)[r0:r1])
        k = K.embedding_kernel(fmt, D, row0=r0, rows=r1 - r0, position=position, max_rows=MAX_ROWS)
        arrays = {"ctl": ctl(rows), "tokens": toks, "sampled": sampled, "w": w, "pos_w": P}
        if out is not None:
            arrays["x"] = out
        out = run_kernel(ex, k, "cpu", arrays, T, out_sizes={"x": want.nbytes})["x"]
    np.testing.assert_allclose(out.reshape(want.shape), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("style", ["interleaved", "half", None])
def test_rope_kv(ex, style):
    r = rng(5)
    hd, hq, hkv, S, C = 16, 4, 2, 3, 16
    rows = [(2, 9), (2, 10), (0, 0), (1, 15)]   # a chunk of slot 2, the first token of slot 0, the last row of 1
    T = len(rows)
    slots, positions = [rw[0] for rw in rows], [rw[1] for rw in rows]
    q_dim, kv_dim = hq * hd, hkv * hd
    qkv = r.standard_normal((T, q_dim + 2 * kv_dim)).astype(np.float32)
    q, k, v = np.split(qkv, [q_dim, q_dim + kv_dim], axis=1)
    rope = {"theta": 10000.0, "style": style, "head_dim": hd} if style else None
    if rope:
        q = R.rope(q, positions, 10000.0, style, hd, hq)
        k = R.rope(k, positions, 10000.0, style, hd, hkv)
    kc = r.standard_normal((S, C, kv_dim)).astype(np.float32)   # other rows of the caches must survive
    vc = r.standard_normal((S, C, kv_dim)).astype(np.float32)
    arrays = {"ctl": ctl(rows), "qkv": qkv, "k_cache": kc.copy(), "v_cache": vc.copy()}
    R.kv_write(k, v, kc, vc, slots, positions)
    kern = K.rope_kv_kernel(q_dim, kv_dim, hd, rope, context=C, max_rows=MAX_ROWS)
    got = run_kernel(ex, kern, "cpu", arrays, T, out_sizes={"q": q.nbytes})
    np.testing.assert_allclose(got["q"].reshape(q.shape), q, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got["k_cache"].reshape(kc.shape), kc, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got["v_cache"].reshape(vc.shape), vc)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("style", ["interleaved", "half", None])
@pytest.mark.parametrize("T", [3, 70])   # 70 rows: the GPU variants' tiled GEMM takes the epilogue too
def test_matmul_with_the_rope_kv_epilogue(ex, variant, style, T):
    """A QKV matmul that rotates its pairs and writes q and the caches itself: what matmul, then rope_kv, then
    kv_write compute, for rows of several slots (other cache rows must survive)."""
    r = rng(11)
    hd, hq, hkv, S, C, Kd = 16, 4, 2, 3, 80, 96
    q_dim, kv_dim = hq * hd, hkv * hd
    rows = [(2, 9), (0, 0), (1, 79)] if T == 3 else [(1, p) for p in range(5, 5 + T)]
    max_rows = max(MAX_ROWS, T)
    slots, positions = [rw[0] for rw in rows], [rw[1] for rw in rows]
    t = quantize("w", r.standard_normal((q_dim + 2 * kv_dim, Kd)), "q4_1")
    x = r.standard_normal((T, Kd)).astype(np.float32)
    nw = r.standard_normal(Kd).astype(np.float32)
    q, k, v = np.split(R.matmul(R.rmsnorm(x, nw, 1e-5), dequantize(t)), [q_dim, q_dim + kv_dim], axis=1)
    rope = {"theta": 10000.0, "style": style} if style else None
    if rope:
        q = R.rope(q, positions, 10000.0, style, hd, hq)
        k = R.rope(k, positions, 10000.0, style, hd, hkv)
    kc = r.standard_normal((S, C, kv_dim)).astype(np.float32)
    vc = r.standard_normal((S, C, kv_dim)).astype(np.float32)
    arrays = {"ctl": ctl(rows, max_rows=max_rows), "x": x, "norm_w": nw, "k_cache": kc.copy(), "v_cache": vc.copy()}
    R.kv_write(k, v, kc, vc, slots, positions)
    kv = K.KVWrite.of(q_dim, kv_dim, hd, rope, context=C, max_rows=max_rows)
    arrays["w"] = repack_paired(t, kv.columns())
    kern = K.matmul_kernel("q4_1", Kd, 2 * kv.pairs, prologue="rmsnorm", act="rope_kv", kv=kv)
    got = run_kernel(ex, kern, variant, arrays, T, out_sizes={"q": q.nbytes})
    close(got["q"], q, variant, T)
    close(got["k_cache"], kc, variant, T)
    close(got["v_cache"], vc, variant, T)


LONG_STEPS_MIXED = [(2, 40), (0, 3)] + [(1, 10 + i) for i in range(70)] + [(0, 4), (2, 250)]


def run_attention(ex, variant, rows, q, kc, vc, hq, hkv, hd, C, max_rows=MAX_ROWS):
    """The attention op as the runtime runs it: its spans, then (when the variant has several) the merge, then the
    tiled kernel (which runs only in long steps)."""
    T = len(rows)
    splits = K.attention_splits(hq, hd, context=C, max_rows=max_rows)
    kern = K.attention_kernel(hq, hkv, hd, context=C, max_rows=max_rows, splits=splits)
    merge = K.attention_merge_kernel(hq, hd, max_rows=max_rows, splits=splits)
    tiled = K.attention_tiled_kernel(hq, hkv, hd, context=C, max_rows=max_rows)
    part_bytes = 4 * T * K.attention_part_width(hq, hd, splits)
    words = ctl(rows, max_rows=max_rows)
    got = run_kernel(ex, kern, variant, {"ctl": words, "q": q, "k_cache": kc, "v_cache": vc}, T,
                     out_sizes={"out": q.nbytes, "part": part_bytes})
    if splits[variant] > 1:
        got = run_kernel(ex, merge, variant, {"ctl": words, "part": got["part"], "out": got["out"]}, T)
    got = run_kernel(ex, tiled, variant, {"ctl": words, "q": q, "k_cache": kc, "v_cache": vc, "out": got["out"]}, T)
    return got["out"].reshape(q.shape)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("rows", [[(0, 0)], [(1, 37)], [(0, 11), (0, 12), (0, 13), (0, 14), (0, 15)],
                                  [(2, 40), (0, 3), (1, 63), (0, 4)], [(1, 199), (0, 130), (2, 64)]],
                         ids=["first", "decode", "chunk", "batch", "long"])
def test_attention(ex, variant, rows):
    r = rng(len(rows))
    hd, hq, hkv, S, C = 16, 6, 2, 3, 200
    slots, positions = [rw[0] for rw in rows], [rw[1] for rw in rows]
    kc = r.standard_normal((S, C, hkv * hd)).astype(np.float32)
    vc = r.standard_normal((S, C, hkv * hd)).astype(np.float32)
    q = (r.standard_normal((len(rows), hq * hd)) * 2).astype(np.float32)
    want = R.attention(q, kc, vc, slots, positions, hq, hkv, hd)
    got = run_attention(ex, variant, rows, q, kc, vc, hq, hkv, hd, C)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("rows", [[(1, 37)], [(2, 40), (0, 3), (1, 199), (0, 4), (2, 130)], LONG_STEPS_MIXED],
                         ids=["decode", "batch", "long"])
def test_a_matmul_merges_the_attention_spans_it_reads(ex, variant, rows):
    """The output projection after split attention, with no attention_merge dispatch: its decode program merges
    the spans' partial states as it stages x (rows of one span, and long steps, come from attention's output)."""
    r = rng(len(rows) + 3)
    hd, hq, hkv, S, C, N = 16, 6, 2, 3, 300, 70
    T, mr = len(rows), 128
    slots, positions = [rw[0] for rw in rows], [rw[1] for rw in rows]
    kc = r.standard_normal((S, C, hkv * hd)).astype(np.float32)
    vc = r.standard_normal((S, C, hkv * hd)).astype(np.float32)
    q = (r.standard_normal((T, hq * hd)) * 2).astype(np.float32)
    t = quantize("w", r.standard_normal((N, hq * hd)), "q4_1")
    res = r.standard_normal((T, N)).astype(np.float32)
    want = R.matmul(R.attention(q, kc, vc, slots, positions, hq, hkv, hd), dequantize(t)) + res
    splits = K.attention_splits(hq, hd, context=C, max_rows=mr)
    words = ctl(rows, max_rows=mr)
    att = K.attention_kernel(hq, hkv, hd, context=C, max_rows=mr, splits=splits)
    got = run_kernel(ex, att, variant, {"ctl": words, "q": q, "k_cache": kc, "v_cache": vc}, T,
                     out_sizes={"out": q.nbytes, "part": 4 * T * K.attention_part_width(hq, hd, splits)})
    tiled = K.attention_tiled_kernel(hq, hkv, hd, context=C, max_rows=mr)
    x = run_kernel(ex, tiled, variant, {"ctl": words, "q": q, "k_cache": kc, "v_cache": vc, "out": got["out"]}, T)["out"]
    parts = K.AttentionParts(hq, hd, mr, tuple(sorted(splits.items())))
    mm = K.matmul_kernel("q4_1", hq * hd, N, residual=True, parts=parts)
    out = run_kernel(ex, mm, variant, {"ctl": words, "x": x, "part": got["part"], "w": repack(t), "out": res}, T)["out"]
    close(out, want, variant, T)


@pytest.mark.parametrize("variant", VARIANTS)
def test_attention_smollm2_shape(ex, variant):
    """SmolLM2's heads (9 query heads on 3 kv heads of 64) at a context where every span holds many keys."""
    r = rng(11)
    hd, hq, hkv, S, C = 64, 9, 3, 2, 700
    rows = [(1, 650), (0, 64)]
    kc = r.standard_normal((S, C, hkv * hd)).astype(np.float32)
    vc = r.standard_normal((S, C, hkv * hd)).astype(np.float32)
    q = r.standard_normal((len(rows), hq * hd)).astype(np.float32)
    want = R.attention(q, kc, vc, [0 + rw[0] for rw in rows], [rw[1] for rw in rows], hq, hkv, hd)
    got = run_attention(ex, variant, rows, q, kc, vc, hq, hkv, hd, C)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


# Long steps: GPU variants run tiles of one slot's rows in attention_tiled and leave the rest to the split kernel.
LONG_STEPS = {
    "prefill": [(1, 100 + i) for i in range(90)],                                             # one slot, 3 tiles
    "mixed": LONG_STEPS_MIXED,                                                               # decode rows beside a chunk
    "decode": [(i % 3, 50 + i) for i in range(70)],                                          # no tile of one slot
}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", list(LONG_STEPS))
@pytest.mark.parametrize("hd,hq,hkv", [(16, 6, 2), (64, 9, 3), (128, 8, 2)])
def test_attention_long_steps(ex, variant, case, hd, hq, hkv):
    rows = LONG_STEPS[case]
    r = rng(len(rows) + hd)
    S, C = 3, 300
    kc = r.standard_normal((S, C, hkv * hd)).astype(np.float32)
    vc = r.standard_normal((S, C, hkv * hd)).astype(np.float32)
    q = (r.standard_normal((len(rows), hq * hd)) * 2).astype(np.float32)
    want = R.attention(q, kc, vc, [x[0] for x in rows], [x[1] for x in rows], hq, hkv, hd)
    got = run_attention(ex, variant, rows, q, kc, vc, hq, hkv, hd, C, max_rows=128)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("heads,kv_heads,head_dim", [(9, 3, 64), (24, 8, 128), (32, 8, 128), (32, 4, 128)])
def test_tiled_attention_fits_every_adapter_at_common_head_shapes(heads, kv_heads, head_dim):
    """SmolLM2's heads, and Llama-3 / Mistral's 128-wide ones: the tiled program stages fewer keys at a time rather
    than go over the spec's 16 KiB of workgroup memory (check_limits raises)."""
    K.check_limits(K.attention_tiled_kernel(heads, kv_heads, head_dim, context=4096, max_rows=512), K.DEFAULT_LIMITS)


def test_tiled_attention_fits_or_names_the_head_dim():
    """Every head dim up to 256 with 1-8 query heads per kv head fits with lanes; past that, one lane per pair with
    fewer keys; a head whose single key and value cannot fit is refused by name, not compiled over the limit."""
    t = K.ATTENTION_TILED["gpu"]
    limit = K.DEFAULT_LIMITS["max_workgroup_storage_bytes"]
    for head_dim in (32, 64, 80, 96, 128, 160, 192, 256):
        for group in range(1, 9):
            chunk, lanes, wbytes = K._attention_tile_memory(t, head_dim, group)
            assert lanes == t["lanes"] and chunk >= 3 and wbytes <= limit, (head_dim, group, chunk, wbytes)
    assert K._attention_tile_memory(t, 1024, 8)[1:] == (1, 8 * 1024)
    with pytest.raises(ValueError, match="head_dim 4096"):
        K._attention_tile_memory(t, 4096, 1)


def test_attention_reads_only_its_own_slot(ex):
    """Poisoning every other slot's cache (NaN) leaves a slot's output unchanged."""
    r = rng(9)
    hd, hq, hkv, S, C = 16, 4, 2, 3, 32
    kc = np.full((S, C, hkv * hd), np.nan, np.float32)
    vc = np.full((S, C, hkv * hd), np.nan, np.float32)
    kc[1, :8] = r.standard_normal((8, hkv * hd))
    vc[1, :8] = r.standard_normal((8, hkv * hd))
    q = r.standard_normal((1, hq * hd)).astype(np.float32)
    want = R.attention(q, kc, vc, [1], [7], hq, hkv, hd)
    for variant in VARIANTS:
        got = run_attention(ex, variant, [(1, 7)], q, kc, vc, hq, hkv, hd, C)
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def _sample(ex, logits, *, temperature=0.0, top_k=0, top_p=1.0, seed=0, step=0) -> int:
    return _sample_rows(ex, logits[None, :], [Sampling(temperature, top_k, top_p, seed)], [step])[0]


def _sample_rows(ex, logits, samplings, steps) -> list[int]:
    """Sample every row of `logits` (outputs, V) in one dispatch, each with its own settings."""
    n = logits.shape[0]
    outs = [Output(i, s, st) for i, (s, st) in enumerate(zip(samplings, steps))]
    kern = K.sample_kernel(logits.shape[1], max_rows=MAX_ROWS)
    arrays = {"ctl": ctl([(0, i) for i in range(n)], outs), "logits": logits.astype(np.float32),
              "sampled": np.zeros(n, np.uint32)}
    return run_kernel(ex, kern, "cpu", arrays, n, n_out=n)["sampled"].tolist()


def test_sample_rows_have_their_own_settings(ex):
    """One dispatch, four outputs: greedy, a different greedy row, and two seeded draws that match their own
    single-output draws (each output's RNG depends only on its seed and step)."""
    r = rng(4)
    logits = r.standard_normal((4, 500)).astype(np.float32)
    settings = [Sampling(), Sampling(), Sampling(0.9, 40, 0.95, 11), Sampling(1.3, 0, 0.9, 12)]
    steps = [0, 5, 3, 7]
    got = _sample_rows(ex, logits, settings, steps)
    assert got[:2] == [int(np.argmax(logits[0])), int(np.argmax(logits[1]))]
    for i in (2, 3):
        s = settings[i]
        assert got[i] == _sample(ex, logits[i], temperature=s.temperature, top_k=s.top_k, top_p=s.top_p,
                                 seed=s.seed, step=steps[i])


@pytest.mark.parametrize("V", [1, 300, 49152])
def test_sample_greedy_is_argmax(ex, V):
    logits = rng(V).standard_normal(V).astype(np.float32)
    assert _sample(ex, logits) == R.sample(logits) == int(np.argmax(logits))


def test_sample_greedy_ties_go_to_lowest_index(ex):
    logits = np.zeros(1000, np.float32)
    logits[[700, 300, 999]] = 5.0
    assert _sample(ex, logits) == 300


def test_sample_top_k_1_is_argmax(ex):
    logits = rng(1).standard_normal(5000).astype(np.float32)
    for seed in range(5):
        assert _sample(ex, logits, temperature=1.0, top_k=1, seed=seed) == int(np.argmax(logits))


def test_sample_is_seeded_and_stays_in_top_k(ex):
    logits = rng(2).standard_normal(3000).astype(np.float32)
    top = set(np.argsort(-logits)[:20].tolist())
    draws = [_sample(ex, logits, temperature=0.8, top_k=20, seed=s, step=3) for s in range(30)]
    assert set(draws) <= top
    assert len(set(draws)) > 3, "a seeded draw that never varies is not sampling"
    again = [_sample(ex, logits, temperature=0.8, top_k=20, seed=s, step=3) for s in range(30)]
    assert draws == again


def test_sample_top_p_keeps_the_nucleus(ex):
    logits = np.full(1000, -10.0, np.float32)
    logits[[10, 20, 30]] = [5.0, 4.0, 0.0]   # probabilities ~0.73, 0.27, ~0.005
    draws = {_sample(ex, logits, temperature=1.0, top_p=0.9, seed=s) for s in range(40)}
    assert draws <= {10, 20} and draws == {10, 20}


def test_sample_matches_reference_distribution(ex):
    # Small vocabulary: GPU frequencies follow the reference softmax (chi-square-ish bound).
    logits = np.array([2.0, 1.0, 0.5, 0.0, -1.0], np.float32)
    n = 400
    counts = np.bincount([_sample(ex, logits, temperature=1.0, seed=s) for s in range(n)], minlength=5)
    p = np.exp(logits - logits.max())
    p /= p.sum()
    assert np.all(np.abs(counts / n - p) < 0.08), (counts / n, p)
    ref = [R.sample(logits, temperature=1.0, seed=s) for s in range(n)]
    assert np.mean(np.array(ref) == np.array([_sample(ex, logits, temperature=1.0, seed=s) for s in range(n)])) > 0.97


@pytest.mark.parametrize("kind", ["rmsnorm", "layernorm"])
@pytest.mark.parametrize("gather", [False, True])
@pytest.mark.parametrize("D,T", [(4, 1), (580, 5)])
def test_norm(ex, kind, gather, D, T):
    r = rng(D + T)
    x = (r.standard_normal((T, D)) * 3 + 1).astype(np.float32)
    w, b = (r.standard_normal(D).astype(np.float32) for _ in range(2))
    want = R.rmsnorm(x, w, 1e-5) if kind == "rmsnorm" else R.layernorm(x, w, b, 1e-5)
    arrays = {"x": x, "norm_w": w, "norm_b": b}
    n_out = 1
    if gather:   # the final norm keeps only the output rows, in output order
        picks = [T - 1, 0] if T > 1 else [0]
        want, n_out = want[picks], len(picks)
        arrays["ctl"] = ctl([(0, i) for i in range(T)], [Output(p) for p in picks])
    k = K.norm_kernel(kind, D, eps=1e-5, gather=gather, max_rows=MAX_ROWS)
    got = run_kernel(ex, k, "cpu", arrays, T, out_sizes={"out": want.nbytes}, n_out=n_out)["out"]
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-5, atol=1e-5)
