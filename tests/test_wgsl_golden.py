"""Golden WGSL: the kernels of a fixed small configuration, stored under tests/golden/wgsl/.

A change to a template or to kernel selection shows up here as a diff to review (like tinygrad's process replay);
a refactor that changes no kernel passes untouched. Regenerate with WEBSHARD_UPDATE_GOLDEN=1.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from compiler import kernels as K
from compiler.encoder_kernels import encoder_attention_kernel, pool_kernel

GOLDEN = Path(__file__).parent / "golden" / "wgsl"

CASES = {
    "matmul_q4_1_rmsnorm_silu": lambda: K.matmul_kernel("q4_1", 576, 3072, prologue="rmsnorm", act="silu_mul"),
    "matmul_q8_0_outputs": lambda: K.matmul_kernel("q8_0", 576, 49152, prologue="rmsnorm", rows="O"),
    "matmul_f16_layernorm_gelu_bias": lambda: K.matmul_kernel("f16", 64, 256, prologue="layernorm", act="gelu", bias=True),
    "matmul_q4_0_residual": lambda: K.matmul_kernel("q4_0", 1536, 576, residual=True),
    "embedding_q8_0": lambda: K.embedding_kernel("q8_0", 576, row0=0, rows=49152, position=False, max_rows=64),
    "rope_kv_interleaved": lambda: K.rope_kv_kernel(576, 192, 64, {"theta": 100000.0, "style": "interleaved"},
                                                    context=2048, max_rows=64),
    # SmolLM2's QKV matmul, which rotates its pairs and writes q and the caches itself (passes._fuse_kv_write).
    "matmul_q4_1_rmsnorm_rope_kv": lambda: K.matmul_kernel(
        "q4_1", 576, 960, prologue="rmsnorm", act="rope_kv",
        kv=K.KVWrite.of(576, 192, 64, {"theta": 100000.0, "style": "interleaved"}, context=2048, max_rows=64)),
    # SmolLM2's output projection, which merges the split attention's spans as it stages x.
    "matmul_q4_1_residual_merge": lambda: K.matmul_kernel(
        "q4_1", 576, 576, residual=True,
        parts=K.AttentionParts(9, 64, 64, tuple(sorted(K.attention_splits(9, 64, context=2048, max_rows=64).items())))),
    "attention_gqa": lambda: K.attention_kernel(9, 3, 64, context=2048, max_rows=64),
    "attention_tiled_gqa": lambda: K.attention_tiled_kernel(9, 3, 64, context=2048, max_rows=256),
    "sample": lambda: K.sample_kernel(49152, max_rows=64),
    "rmsnorm_gather": lambda: K.norm_kernel("rmsnorm", 576, eps=1e-5, gather=True, max_rows=64),
    "matmul_q8_0_head": lambda: K.matmul_kernel("q8_0", 576, 49152, rows="O"),
    # The encoder's (all-MiniLM-L6-v2 shapes): exact GELU, attention over packed sentences, pooling, in-place norm.
    "matmul_f16_gelu_erf_bias": lambda: K.matmul_kernel("f16", 384, 1536, act="gelu_erf", bias=True),
    "encoder_attention": lambda: encoder_attention_kernel(12, 32, max_rows=1024),
    "pool_mean_l2": lambda: pool_kernel("mean", 384, normalize=True, max_rows=1024),
    "layernorm_inplace": lambda: K.norm_kernel("layernorm", 384, eps=1e-12, inplace=True),
}


# gpu_f16 differs from gpu only in its tiled GEMM (goldens below); its decode programs are gpu's.
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("variant", [v for v in K.VARIANTS if v != "gpu_f16"])
def test_kernel_source_is_unchanged(case, variant):
    check(CASES[case]().variants[variant].source, GOLDEN / f"{case}.{variant}.wgsl", case, variant)


@pytest.mark.parametrize("case", sorted(CASES))
def test_gpu_f16_runs_the_gpu_programs_but_for_the_tiled_gemm(case):
    k = CASES[case]()
    f16, gpu = k.variants["gpu_f16"], k.variants["gpu"]
    assert (f16.source, f16.dispatch, f16.workgroup_bytes) == (gpu.source, gpu.dispatch, gpu.workgroup_bytes)
    for t, g in zip(f16.chain()[1:], gpu.chain()[1:]):   # the f16 GEMM from the middle tiling (MATMUL_TILED)
        assert t.source == g.source or (t.source.startswith("enable f16;") and "vec4<f16>" in t.source)


@pytest.mark.parametrize("case", ["matmul_q4_1_rmsnorm_silu", "matmul_q4_1_rmsnorm_rope_kv", "matmul_q4_1_residual_merge",
                                  "matmul_q4_0_residual"])
@pytest.mark.parametrize("variant", ["gpu", "gpu_f16"])   # gpu_sg runs gpu's (asserted), gpu_f16 its own f16 ones
def test_tiled_programs_are_unchanged(case, variant):
    """The GPU variants' programs for long steps (a kernel variant's `tiled` chain, kept whatever a step's rows)."""
    k = CASES[case]()
    chain = k.variants[variant].chain()[1:]
    gpu = [t.source for t in k.variants["gpu"].chain()[1:]]
    assert chain and [t.source for t in k.variants["gpu_sg"].chain()[1:]] == gpu
    for depth, t in enumerate(chain, 1):
        if variant != "gpu" and t.source == gpu[depth - 1]:
            continue   # gpu_f16's f32 programs are gpu's, checked above (test_gpu_f16_runs_the_gpu_programs_...)
        check(t.source, GOLDEN / f"{case}.{variant}{'.tiled' * depth}.wgsl", case, f"{variant}{' tiled' * depth}")


@pytest.mark.parametrize("variant", sorted(K.MATMUL_TILED))
def test_a_matrix_wider_than_max_k_has_only_the_decode_program(variant):
    wide = K.MATMUL_TILED[variant]["max_k"] + 32
    assert K.matmul_kernel("q4_0", wide, 64).variants[variant].tiled is None


def check(src: str, path: Path, case: str, variant: str) -> None:
    if os.environ.get("WEBSHARD_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(src)
    assert path.exists(), f"{path} missing: run with WEBSHARD_UPDATE_GOLDEN=1 and review the new file"
    assert src == path.read_text(), f"{case} [{variant}] changed: review `git diff` after WEBSHARD_UPDATE_GOLDEN=1"
