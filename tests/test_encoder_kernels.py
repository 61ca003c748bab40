"""The encoder's kernels against their numpy references, both variants: bidirectional attention over packed
sentences, pooling (mean / CLS, with and without L2 normalization), the exact-GELU matmul epilogue, and the in-place
LayerNorm. Steps are packed by the encoder runtime's own packer (compiler/native/encoder.py pack_step)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from compiler import kernels as K
from compiler import reference as R
from compiler.encoder_kernels import encoder_attention_kernel, pool_kernel
from compiler.native.batch import pack_ctl
from compiler.native.encoder import pack_step
from compiler.native.executor import Executor, run_kernel
from compiler.quant import dequantize, quantize, repack

pytestmark = pytest.mark.gpu
VARIANTS = ["cpu", "gpu"]
MAX_ROWS = 40


@pytest.fixture(scope="module")
def ex(gpu):
    return Executor(gpu.device)


def ctl_for(lengths: list[int]) -> tuple[np.ndarray, list[int], list[int]]:
    """Control words of a packed step of sentences with these lengths; (ctl, row slots, output rows)."""
    step = pack_step([[5] * n for n in lengths])
    words = np.frombuffer(pack_ctl(K.params_layout(MAX_ROWS), step), np.uint32)
    words = np.concatenate([words, np.zeros(K.ctl_words(MAX_ROWS) - words.size, np.uint32)])
    return words, [r.slot for r in step.rows], [o.row for o in step.outputs]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("lengths", [[1], [7], [3, 1, 12, 2], [33, 2]], ids=["one", "single", "packed", "long"])
def test_encoder_attention(ex, variant, lengths):
    heads, hd = 3, 16
    ctl, slots, _ = ctl_for(lengths)
    T = len(slots)
    qkv = (np.random.default_rng(T).standard_normal((T, 3 * heads * hd)) * 2).astype(np.float32)
    want = R.encoder_attention(qkv, slots, heads, hd)
    k = encoder_attention_kernel(heads, hd, max_rows=MAX_ROWS)
    got = run_kernel(ex, k, variant, {"ctl": ctl, "qkv": qkv}, T, out_sizes={"out": want.nbytes})["out"]
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-4, atol=1e-5)


def test_encoder_attention_sees_only_its_own_sentence(ex):
    """NaN in every other sentence's rows leaves a sentence's outputs finite and unchanged: that is the padding
    mask of a packed step."""
    heads, hd = 2, 8
    ctl, slots, _ = ctl_for([4, 5, 3])
    qkv = np.random.default_rng(1).standard_normal((12, 3 * heads * hd)).astype(np.float32)
    poisoned = qkv.copy()
    poisoned[:4] = np.nan
    poisoned[9:] = np.nan
    want = R.encoder_attention(qkv, slots, heads, hd)[4:9]
    k = encoder_attention_kernel(heads, hd, max_rows=MAX_ROWS)
    for variant in VARIANTS:
        got = run_kernel(ex, k, variant, {"ctl": ctl, "qkv": poisoned}, 12, out_sizes={"out": 12 * heads * hd * 4})["out"]
        got = got.reshape(12, heads * hd)[4:9]
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", ["mean", "cls"])
@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("D", [4, 384, 520])
def test_pool(ex, mode, normalize, D):
    lengths = [3, 1, 9]
    ctl, slots, outs = ctl_for(lengths)
    x = (np.random.default_rng(D).standard_normal((len(slots), D)) * 3 + 0.5).astype(np.float32)
    slots = np.asarray(slots)
    want = np.stack([R.pool(x[slots == slots[o]], mode) for o in outs])
    if normalize:
        want = R.l2_normalize(want)
    k = pool_kernel(mode, D, normalize=normalize, max_rows=MAX_ROWS)
    got = run_kernel(ex, k, "cpu", {"ctl": ctl, "x": x}, len(slots), out_sizes={"out": want.nbytes},
                     n_out=len(outs))["out"]
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-5, atol=1e-6)


def test_reference_erf_is_erf():
    xs = np.linspace(-6, 6, 2001)
    assert np.abs(R.erf(xs) - np.array([math.erf(v) for v in xs])).max() < 1.5e-7
    x = np.linspace(-5, 5, 101).astype(np.float32)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    assert np.abs(R.gelu_erf(x) - exact).max() < 1e-6
    assert np.abs(R.gelu(x) - exact).max() > 1e-4, "the tanh form is a different function"


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("fmt", ["f32", "f16"])
def test_matmul_gelu_erf_bias_residual(ex, variant, fmt):
    """The decoder's matmul kernel with the exact-GELU epilogue (BERT's FFN up) and with bias + residual (its
    output projections, writing the residual stream in place)."""
    r = np.random.default_rng(11)
    Kd, N, T = 64, 72, 5
    t = quantize("w", r.standard_normal((N, Kd)) / 4, fmt)
    x = (r.standard_normal((T, Kd)) * 2).astype(np.float32)
    b = r.standard_normal(N).astype(np.float32)
    want = R.gelu_erf(R.matmul(x, dequantize(t), b))
    k = K.matmul_kernel(fmt, Kd, N, bias=True, act="gelu_erf")
    got = run_kernel(ex, k, variant, {"x": x, "w": repack(t), "bias": b}, T, out_sizes={"out": want.nbytes})["out"]
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-4, atol=1e-5)
    res = r.standard_normal((T, N)).astype(np.float32)
    k = K.matmul_kernel(fmt, Kd, N, bias=True, residual=True)
    got = run_kernel(ex, k, variant, {"x": x, "w": repack(t), "bias": b, "out": res}, T)["out"]
    np.testing.assert_allclose(got.reshape(T, N), R.matmul(x, dequantize(t), b) + res, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("D,T", [(4, 1), (384, 7), (580, 3)])
def test_layernorm_in_place(ex, D, T):
    r = np.random.default_rng(D)
    x = (r.standard_normal((T, D)) * 3 + 1).astype(np.float32)
    w, b = (r.standard_normal(D).astype(np.float32) for _ in range(2))
    k = K.norm_kernel("layernorm", D, eps=1e-12, inplace=True)
    assert [b_.name for b_ in k.bindings] == ["p", "x", "norm_w", "norm_b"]
    got = run_kernel(ex, k, "cpu", {"x": x, "norm_w": w, "norm_b": b}, T)["x"]
    np.testing.assert_allclose(got.reshape(T, D), R.layernorm(x, w, b, 1e-12), rtol=1e-5, atol=1e-5)
