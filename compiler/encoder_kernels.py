"""Kernel specs of the two ops only encoders have: bidirectional attention over a packed step, and pooling.

encoder graph (compiler/encoder.py) -> **these specs** (+ compiler/kernels.py's matmul, norm and embedding, reused
as they are) -> wgsl/encoder_attention.wgsl.j2, wgsl/pool.wgsl.j2. Same conventions as compiler/kernels.py:
bindings declared once here, templates get compile-time constants only, both per-adapter variants.
"""
from __future__ import annotations

import math

from .kernels import VARIANTS, Binding, Kernel, KernelVariant, _f, _name, render


def encoder_attention_kernel(heads: int, head_dim: int, *, max_rows: int) -> Kernel:
    """Each row attends to every row of its own sentence (the rows of the step with its slot, which the runtime
    packs contiguously from position 0); q, k, v come from the QKV matmul's rows. out (T, heads * head_dim)."""
    bindings = [Binding("p", "uniform"), Binding("ctl", "read", "u32"), Binding("qkv", "read"),
                Binding("out", "read_write")]
    consts = dict(heads=heads, head_dim=head_dim, scale=_f(1.0 / math.sqrt(head_dim)))
    k = Kernel("encoder_attention", _name("encoder_attention", f"h{heads}_d{head_dim}", consts | {"max_rows": max_rows}),
               bindings)
    for variant in VARIANTS:
        # CPU adapters: 64 rows of one head per workgroup, one invocation each. GPUs: as attention_kernel, up to 32
        # invocations share the keys of one (head, row).
        lanes, rows = (1, 64) if variant == "cpu" else (max(1, min(32, 2048 // head_dim)), 1)
        src = render("encoder_attention", bindings, max_rows, lanes=lanes, rows=rows, **consts)
        wbytes = 0 if lanes == 1 else 4 * lanes * (head_dim + 2)
        k.variants[variant] = KernelVariant(src, (lanes * rows, 1, 1), [[heads, 1], ["T", rows], [1, 1]], wbytes)
    return k


def pool_kernel(mode: str, D: int, *, normalize: bool, max_rows: int) -> Kernel:
    """One embedding per output (sentence): the mean of its rows or its first ([CLS]) row, L2-normalized when
    `normalize`. x (T, D) -> out (O, D)."""
    if mode not in ("mean", "cls"):
        raise ValueError(f"pooling must be mean or cls, got {mode!r}")
    if D % 4:
        raise ValueError(f"pool needs a width divisible by 4, got {D}")
    bindings = [Binding("p", "uniform"), Binding("ctl", "read", "u32"), Binding("x", "read", "vec4<f32>"),
                Binding("out", "read_write", "vec4<f32>")]
    consts = dict(mode=mode, D=D, normalize=normalize)
    desc = f"{mode}_d{D}" + ("_l2" if normalize else "")
    k = Kernel("pool", _name("pool", desc, consts | {"max_rows": max_rows}), bindings)
    src = render("pool", bindings, max_rows, wg=64, **consts)
    for variant in VARIANTS:
        k.variants[variant] = KernelVariant(src, (64, 1, 1), [[1, 1], ["O", 1], [1, 1]], 4 * 64)
    return k
