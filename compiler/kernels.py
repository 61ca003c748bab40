"""Kernel specs and WGSL rendering: one function per op kind declares the bindings and picks the constants.

fused graph -> **kernel specs** (bindings declared once, here) -> jinja2 templates in wgsl/ -> WGSL text.
Templates get compile-time constants only; runtime sizes (tokens in this step, position, sampling settings)
come from the `Params` uniform, whose layout is declared once in PARAMS below.

Per-adapter variants share bindings and differ in workgroup shape:
  cpu  one output row per invocation (lavapipe / SwiftShader run this ~10x faster)
  gpu  LANES invocations cooperate on a row and reduce in workgroup memory (real GPUs)
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

WGSL_DIR = Path(__file__).resolve().parent.parent / "wgsl"
VARIANTS = ("cpu", "gpu")

# Spec default limits: kernels must fit these so browsers run the same WGSL.
DEFAULT_LIMITS = {
    "max_storage_buffers_per_stage": 8,
    "max_storage_buffer_binding_size": 128 << 20,
    "max_invocations_per_workgroup": 256,
    "max_workgroup_storage_bytes": 16384,
    "max_workgroups_per_dimension": 65535,
}

# The uniform every kernel sees at binding 0. Order and types are the byte layout (all 4-byte fields).
PARAMS = [
    ("n_tokens", "u32"),     # tokens in this step (prefill chunk, or 1)
    ("pos0", "u32"),         # position of the first of them
    ("seed", "u32"),
    ("step", "u32"),         # decode step, mixed into the sampling RNG
    ("temperature", "f32"),  # 0 = greedy
    ("top_k", "u32"),        # 0 = off
    ("top_p", "f32"),        # 1 = off
    ("pad", "u32"),
]
PARAMS_BYTES = 4 * len(PARAMS)


@dataclass(frozen=True)
class Binding:
    name: str
    access: str   # "read" | "read_write" | "uniform"
    elem: str = "f32"

    def wgsl(self, index: int) -> str:
        if self.access == "uniform":
            return f"@group(0) @binding({index}) var<uniform> {self.name}: Params;"
        mode = "read" if self.access == "read" else "read_write"
        return f"@group(0) @binding({index}) var<storage, {mode}> {self.name}: array<{self.elem}>;"

    def to_json(self) -> dict:
        return {"name": self.name, "type": self.access, "elem": self.elem}


@dataclass
class KernelVariant:
    source: str
    workgroup_size: tuple[int, int, int]
    dispatch: list  # per dimension [count, divisor]; count is an int or "T" (tokens in this step)
    workgroup_bytes: int


@dataclass
class Kernel:
    op: str
    name: str
    bindings: list[Binding]
    variants: dict[str, KernelVariant] = field(default_factory=dict)


def _raise(msg: str):
    raise jinja2.TemplateError(msg)


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(WGSL_DIR)),
    undefined=jinja2.StrictUndefined,   # a missing constant is an error, never empty WGSL
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["raise_error"] = _raise


def params_struct() -> str:
    fields = "\n".join(f"  {n}: {t}," for n, t in PARAMS)
    return f"struct Params {{\n{fields}\n}}"


def header(bindings: list[Binding]) -> str:
    lines = [params_struct()] + [b.wgsl(i) for i, b in enumerate(bindings)]
    return "\n".join(lines)


def render(template: str, bindings: list[Binding], **consts) -> str:
    src = _env.get_template(f"{template}.wgsl.j2").render(header=header(bindings), **consts)
    return "\n".join(line.rstrip() for line in src.splitlines() if line.strip()) + "\n"


def _name(op: str, desc: str, consts: dict) -> str:
    h = hashlib.sha1(json.dumps(consts, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{op}_{desc}_{h}"


def _w_elem(fmt: str) -> str:
    return "f32" if fmt == "f32" else "u32"


# ------------------------------------------------------------------ matmul


def matmul_kernel(fmt: str, K: int, N: int, *, row0=0, out_n=None, prologue=None, eps=1e-5, bias=False,
                  act=None, residual=False, last_only=False, single_row=False) -> Kernel:
    """y[t, row0 + n] (+)= act(W[n] · prologue(x[t]) + bias) for the N rows held in `w`.

    last_only: read only row n_tokens - 1 of x (the last token); single_row: x has one row. Both write one row.

    With act="silu_mul", `w` holds N/2 gate rows then N/2 up rows and the output is N/2 wide.
    """
    out_n = out_n if out_n is not None else (N // 2 if act == "silu_mul" else N)
    if K % 4 or (fmt not in ("f32", "f16") and K % 32):
        raise ValueError(f"{fmt} weights need K divisible by {4 if fmt in ('f32', 'f16') else 32}, got K={K}")
    bindings = [Binding("p", "uniform"), Binding("x", "read", "vec4<f32>"), Binding("w", "read", _w_elem(fmt))]
    if bias:
        bindings.append(Binding("bias", "read"))
    if prologue:
        bindings.append(Binding("norm_w", "read", "vec4<f32>"))
        if prologue == "layernorm":
            bindings.append(Binding("norm_b", "read", "vec4<f32>"))
    bindings.append(Binding("out", "read_write"))
    rows = N // 2 if act == "silu_mul" else N
    consts = dict(fmt=fmt, K=K, N=rows, row0=row0, out_n=out_n, prologue=prologue or "", eps=_f(eps),
                  bias=bias, act=act or "", residual=residual, last_only=last_only, single_row=single_row,
                  half=N // 2 if act == "silu_mul" else 0, two=fmt in ("q4_0", "q4_1"))
    desc = f"{fmt}_k{K}_n{N}" + (f"_{prologue}" if prologue else "") + (f"_{act}" if act else "") + ("_res" if residual else "")
    k = Kernel("matmul", _name("matmul", desc, consts), bindings)
    for variant in VARIANTS:
        wg, lanes = (64, 1) if variant == "cpu" else (256, 32)
        one = last_only or single_row
        tt = 1 if one else 8   # tokens per workgroup: weights are decoded once per tile
        src = render("matmul", bindings, wg=wg, lanes=lanes, tt=tt, **consts)
        disp = [[rows, wg // lanes], [1, 1] if one else ["T", tt], [1, 1]]
        wbytes = 8 * wg + (8 * tt if prologue else 0)
        k.variants[variant] = KernelVariant(src, (wg, 1, 1), disp, wbytes)
    return k


def _f(v: float) -> str:
    """A WGSL f32 literal."""
    r = repr(float(v))
    return r if ("." in r or "e" in r) else r + ".0"


# ------------------------------------------------------------------ other ops


def embedding_kernel(fmt: str, D: int, *, row0: int, rows: int, position: bool) -> Kernel:
    bindings = [Binding("p", "uniform"), Binding("tokens", "read", "u32"), Binding("w", "read", _w_elem(fmt))]
    if position:
        bindings.append(Binding("pos_w", "read"))
    bindings.append(Binding("x", "read_write"))
    consts = dict(fmt=fmt, D=D, row0=row0, rows=rows, position=position)
    k = Kernel("embedding", _name("embedding", f"{fmt}_d{D}", consts), bindings)
    src = render("embedding", bindings, wg=64, **consts)
    for variant in VARIANTS:
        k.variants[variant] = KernelVariant(src, (64, 1, 1), [[D, 64], ["T", 1], [1, 1]], 0)
    return k


def rope_kv_kernel(q_dim: int, kv_dim: int, head_dim: int, rope: dict | None) -> Kernel:
    bindings = [Binding("p", "uniform"), Binding("qkv", "read"), Binding("q", "read_write"),
                Binding("k_cache", "read_write"), Binding("v_cache", "read_write")]
    consts = dict(q_dim=q_dim, kv_dim=kv_dim, head_dim=head_dim, rope=bool(rope),
                  style=(rope or {}).get("style", ""), log2_theta=_f(math.log2((rope or {}).get("theta", 1.0))))
    items = (q_dim // 2 + kv_dim // 2 if rope else q_dim + kv_dim) + kv_dim
    k = Kernel("rope_kv", _name("rope_kv", f"q{q_dim}_kv{kv_dim}", consts), bindings)
    src = render("rope_kv", bindings, wg=64, **consts)
    for variant in VARIANTS:
        k.variants[variant] = KernelVariant(src, (64, 1, 1), [[items, 64], ["T", 1], [1, 1]], 0)
    return k


def attention_kernel(heads: int, kv_heads: int, head_dim: int) -> Kernel:
    bindings = [Binding("p", "uniform"), Binding("q", "read"), Binding("k_cache", "read"),
                Binding("v_cache", "read"), Binding("out", "read_write")]
    consts = dict(q_dim=heads * head_dim, kv_dim=kv_heads * head_dim, head_dim=head_dim,
                  group=heads // kv_heads, scale=_f(1.0 / math.sqrt(head_dim)))
    k = Kernel("attention", _name("attention", f"h{heads}_kv{kv_heads}_d{head_dim}", consts), bindings)
    for variant in VARIANTS:
        lanes = 1 if variant == "cpu" else max(1, min(32, 2048 // head_dim))
        src = render("attention", bindings, lanes=lanes, **consts)
        wbytes = 0 if lanes == 1 else 4 * lanes * (head_dim + 2)
        k.variants[variant] = KernelVariant(src, (lanes, 1, 1), [[heads, 1], ["T", 1], [1, 1]], wbytes)
    return k


def norm_kernel(kind: str, D: int, *, eps: float, last_only: bool) -> Kernel:
    """rmsnorm / layernorm of each token's row (or only the last token's, written as row 0)."""
    if D % 4:
        raise ValueError(f"{kind} needs a width divisible by 4, got {D}")
    bindings = [Binding("p", "uniform"), Binding("x", "read", "vec4<f32>"), Binding("norm_w", "read", "vec4<f32>")]
    if kind == "layernorm":
        bindings.append(Binding("norm_b", "read", "vec4<f32>"))
    bindings.append(Binding("out", "read_write", "vec4<f32>"))
    consts = dict(kind=kind, D=D, eps=_f(eps), last_only=last_only)
    k = Kernel(kind, _name(kind, f"d{D}" + ("_last" if last_only else ""), consts), bindings)
    src = render("norm", bindings, wg=64, **consts)
    for variant in VARIANTS:
        k.variants[variant] = KernelVariant(src, (64, 1, 1), [[1, 1], [1, 1] if last_only else ["T", 1], [1, 1]], 8 * 64)
    return k


def sample_kernel(vocab: int) -> Kernel:
    bindings = [Binding("p", "uniform"), Binding("logits", "read"), Binding("tokens", "read_write", "u32")]
    k = Kernel("sample", _name("sample", f"v{vocab}", {"vocab": vocab}), bindings)
    src = render("sample", bindings, vocab=vocab, wg=256)
    for variant in VARIANTS:
        k.variants[variant] = KernelVariant(src, (256, 1, 1), [[1, 1], [1, 1], [1, 1]], 8 * 256 + 4)
    return k


def check_limits(k: Kernel, limits: dict = DEFAULT_LIMITS) -> None:
    """Raise if a kernel would not run in a browser with the spec's default limits."""
    storage = sum(1 for b in k.bindings if b.access != "uniform")
    if storage > limits["max_storage_buffers_per_stage"]:
        raise ValueError(f"kernel {k.name}: {storage} storage buffers > {limits['max_storage_buffers_per_stage']}")
    for name, v in k.variants.items():
        inv = v.workgroup_size[0] * v.workgroup_size[1] * v.workgroup_size[2]
        if inv > limits["max_invocations_per_workgroup"]:
            raise ValueError(f"kernel {k.name} ({name}): {inv} invocations per workgroup")
        if v.workgroup_bytes > limits["max_workgroup_storage_bytes"]:
            raise ValueError(f"kernel {k.name} ({name}): {v.workgroup_bytes} bytes of workgroup memory")
