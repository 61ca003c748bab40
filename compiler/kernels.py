"""Kernel specs and WGSL rendering: one function per op kind declares the bindings and picks the constants.

fused graph -> **kernel specs** (bindings declared once, here) -> jinja2 templates in wgsl/ -> WGSL text.
Templates get compile-time constants only; runtime sizes (tokens in this step, position, sampling settings)
come from the `Params` uniform, whose layout is declared once in PARAMS below.

Per-adapter variants share bindings and differ in workgroup shape:
  cpu  one output row per invocation (lavapipe / SwiftShader run this ~10x faster)
  gpu  LANES invocations cooperate on a row and reduce in workgroup memory (real GPUs)
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np

WGSL_DIR = Path(__file__).resolve().parent.parent / "wgsl"
VARIANTS = ("cpu", "cpu_sw", "gpu", "gpu_sg", "gpu_f16")
# WebGPU features a variant's kernels need; a runtime offers a variant only on an adapter that has them.
VARIANT_FEATURES = {"gpu_sg": ["subgroups"], "gpu_f16": ["shader-f16"]}
# Which variant an adapter runs, for every runtime (the manifest carries it): the first rule whose pattern matches
# the adapter's description (vendor, architecture, device, description and type, lowercased) wins; a fallback
# adapter runs `fallback_adapter`; anything else `default`. Software adapters run the cpu variant: a GEMV with one
# row per invocation ran 10x faster on lavapipe and 8x on SwiftShader than a 256-wide workgroup reduction.
# `candidates`: the variants an autotuner may time against the chosen one on the adapter itself (those whose
# features it has), keeping the fastest that computes the same outputs (compiler/native/autotune.py).
VARIANT_CHOICE = {
    "rules": [{"match": "swiftshader", "variant": "cpu_sw"},
              {"match": "llvmpipe|lavapipe|software|\\bcpu\\b", "variant": "cpu"}],
    "fallback_adapter": "cpu_sw",   # Chrome reports SwiftShader as a fallback adapter
    "default": "gpu",
    "candidates": {"gpu": ["gpu", "gpu_sg", "gpu_f16"]},
}
# A decoder's rows per step at most, per variant (the manifest's variant_choice.step_rows; others run the artifact's
# max_tokens_per_step). CPU adapters keep prefill chunks short: a 64-row step already takes 1-2 s on lavapipe and
# ~9 s on SwiftShader, the time a cancelled prompt or a decoding neighbour waits. GPUs take long steps, where the
# tiled GEMM and attention pay (H200, synthetic SmolLM2, 2000-token prompt: 12.6k tok/s in 256-row steps, 18.4k in
# 512-row ones). Encoders have none: a step holds whole sentences.
DECODER_STEP_ROWS = {"cpu": 64, "cpu_sw": 64}

# Spec default limits: kernels must fit these so browsers run the same WGSL.
DEFAULT_LIMITS = {
    "max_storage_buffers_per_stage": 8,
    "max_storage_buffer_binding_size": 128 << 20,
    "max_invocations_per_workgroup": 256,
    "max_workgroup_storage_bytes": 16384,
    "max_workgroups_per_dimension": 65535,
}

# The uniform every kernel sees at binding 0: the sizes of this step, which the CPU also needs for dispatch counts.
# Order and types are the byte layout (all 4-byte fields; 16 bytes, WebGPU's minimum uniform binding size).
PARAMS = [
    ("n_rows", "u32"),   # rows in this step: tokens of one or several sequences (a prefill chunk, decode rows)
    ("n_out", "u32"),    # rows that produce logits and a sampled id (at most one per sequence)
    ("pad0", "u32"),
    ("pad1", "u32"),
]
PARAMS_BYTES = 4 * len(PARAMS)

# The per-step control buffer `ctl` (u32 words), written by the CPU before each step: what each row is and what
# each output samples. Per-row data lives here, not in the uniform, so one step can carry several sequences at
# their own positions (the row region has max_rows entries, then the output region).
CTL_ROW = [
    ("slot", "u32"),   # which sequence's KV cache the row reads and writes
    ("pos", "u32"),    # its position in that sequence
    ("src", "u32"),    # NO_SRC: its token is tokens[row]; else the id that output `src` of the previous step sampled
    ("pad", "u32"),
]
CTL_OUT = [
    ("row", "u32"),          # the row whose logits this output takes (the last row of its sequence in this step)
    ("seed", "u32"),
    ("step", "u32"),         # the sequence's decode step, mixed into the sampling RNG
    ("temperature", "f32"),  # 0 = greedy
    ("top_k", "u32"),        # 0 = off
    ("top_p", "f32"),        # 1 = off
    ("pad0", "u32"),
    ("pad1", "u32"),
]
NO_SRC = 0xFFFFFFFF
# What a caller that says nothing about sampling gets, in both runtimes (the manifest carries these).
SAMPLING_DEFAULTS = {"temperature": 0.0, "top_k": 0, "top_p": 1.0, "seed": 0}


def ctl_words(max_rows: int) -> int:
    """Size of the control buffer in u32 words: max_rows row entries, then up to max_rows output entries."""
    return max_rows * (len(CTL_ROW) + len(CTL_OUT))


def params_layout(max_rows: int) -> dict:
    """The manifest's `params` entry: the uniform, the control buffer layout and the sampling defaults."""
    return {
        "fields": [list(f) for f in PARAMS], "bytes": PARAMS_BYTES,
        "ctl": {"row_fields": [list(f) for f in CTL_ROW], "out_fields": [list(f) for f in CTL_OUT],
                "out_offset_words": max_rows * len(CTL_ROW), "words": ctl_words(max_rows), "no_src": NO_SRC},
        "defaults": dict(SAMPLING_DEFAULTS),
    }


def workgroups(dispatch: list, n_rows: int, n_out: int = 1) -> tuple[int, int, int]:
    """Resolve a manifest dispatch ([[count, divisor]] x3) for a step; count "T" is n_rows, "O" is n_out."""
    dims = []
    for count, div in dispatch:
        c = n_rows if count == "T" else n_out if count == "O" else int(count)
        dims.append(max(0, -(-c // int(div))))
    return tuple(dims)


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
    # A second program, same bindings, that runtimes dispatch instead for steps of at least `min_rows` rows (the
    # count its dispatch sizes by): the matmul's tiled GEMM for long prompts on GPUs.
    tiled: "KernelVariant | None" = None
    min_rows: int = 0

    def chain(self) -> list["KernelVariant"]:
        """This program and its tiled programs, for ever longer steps (each tiled one's min_rows above the last)."""
        return [self] + (self.tiled.chain() if self.tiled else [])

    def entry(self, file: str) -> dict:
        """The manifest's entry for this program, its source written to `file` (a tiled program adds min_rows)."""
        e = {"file": file, "workgroup_size": list(self.workgroup_size), "dispatch": self.dispatch,
             "workgroup_bytes": self.workgroup_bytes}
        return e | {"min_rows": self.min_rows} if self.min_rows else e


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


def ctl_accessors(max_rows: int) -> str:
    """WGSL getters for the control buffer's fields (row_pos(r), out_temperature(o), ...), from CTL_ROW/CTL_OUT."""
    lines = [f"const NO_SRC: u32 = {NO_SRC}u;"]
    for kind, fields, base in (("row", CTL_ROW, 0), ("out", CTL_OUT, max_rows * len(CTL_ROW))):
        for i, (name, typ) in enumerate(fields):
            if name.startswith("pad"):
                continue
            word = f"ctl[{base}u + {kind[0]} * {len(fields)}u + {i}u]"
            value = f"bitcast<f32>({word})" if typ == "f32" else word
            lines.append(f"fn {kind}_{name}({kind[0]}: u32) -> {typ} {{ return {value}; }}")
    return "\n".join(lines)


def header(bindings: list[Binding], max_rows: int | None = None) -> str:
    lines = [params_struct()] + [b.wgsl(i) for i, b in enumerate(bindings)]
    if any(b.name == "ctl" for b in bindings):
        if max_rows is None:
            raise ValueError("a kernel that binds ctl needs max_rows (the control buffer's row capacity)")
        lines.append(ctl_accessors(max_rows))
    return "\n".join(lines)


def render(template: str, bindings: list[Binding], max_rows: int | None = None, **consts) -> str:
    src = _env.get_template(f"{template}.wgsl.j2").render(header=header(bindings, max_rows), **consts)
    return "\n".join(line.rstrip() for line in src.splitlines() if line.strip()) + "\n"


def _name(op: str, desc: str, consts: dict) -> str:
    h = hashlib.sha1(json.dumps(consts, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{op}_{desc}_{h}"


def _w_elem(fmt: str) -> str:
    return "f32" if fmt == "f32" else "u32"


# ------------------------------------------------------------------ matmul


def paired_half(n: int) -> int:
    """Rows each half of a gate|up weight (act="silu_mul") takes in kernel layout: its n rows padded to a whole
    number of 8-row groups, so 4 neighbouring up rows are one vector load like the gate rows."""
    return -(-n // 8) * 8


# Per-variant shape of the matmul kernel: invocations per workgroup, invocations per row (lanes), tokens per
# workgroup (tt) and, for CPU adapters, quads of 4 rows per invocation. Measured on lavapipe (Q4_1 GEMV, 576 x
# 1536, tests/dev/matmul_variants.py; the 2-core VM's load moves them up to 2x): one row per invocation 1.3-2.5 ms,
# 2 quads 0.39-0.75 ms, 4 quads 0.33-0.72 ms, the gpu shape 10-20 ms. Workgroups of 16 to 128 invocations (4
# quads) were slower than 8 there (2026-12-02, timestamp queries): 0.43-0.52 against 0.27 ms on that GEMV, 9.7-10.6
# against 9.2 ms on SmolLM2's Q8_0 LM head; on SwiftShader the head's time did not follow the workgroup size (README).
MATMUL_SHAPES = {
    "cpu": {"wg": 8, "lanes": 1, "tt": 4, "quads": 4},
    # SwiftShader (Chromium): 2 quads ran as fast as 4 there (0.39 vs 0.36 GB/s on a 576 x 1536 Q4_1 GEMV) and
    # compile in half the time (0.75 vs 1.5 s a kernel; the chat page waits for them). local_stats: a fused norm's
    # statistics made by each invocation, with no barrier or workgroup memory. In `webshard bench --browser`, against
    # the output projection of the same run, SwiftShader's QKV took 2.03x its time with them and 2.92x without, gate|up
    # 4.70x and 6.4x (decode 2.97 -> 3.10 tok/s). On lavapipe they did not pay (QKV 1.60x against 1.39-1.47x).
    "cpu_sw": {"wg": 8, "lanes": 1, "tt": 4, "quads": 2, "local_stats": True},
    "gpu": {"wg": 256, "lanes": 32, "tt": 8, "quads": 0},
    # A row's 32 lanes are neighbours and reduce by subgroup shuffles: no barrier where a subgroup holds a row.
    "gpu_sg": {"wg": 256, "lanes": 32, "tt": 8, "quads": 0, "sg": True},
    # gpu's decode programs; its long steps run the tiled GEMM in f16 (MATMUL_TILED).
    "gpu_f16": {"wg": 256, "lanes": 32, "tt": 8, "quads": 0},
}
# GPU variants switch to the tiled GEMM (matmul_tiled.wgsl.j2) for steps of at least min_rows rows, on matrices of
# at most max_k inputs. Measured on an H200 against the decode kernel, SmolLM2's Q4_1 layer matmuls, each timed over
# 40 dispatches: at 512 rows QKV 70 vs 315 us, gate|up 188 vs 513, output 56 vs 90; at 64 rows QKV 66 vs 101,
# gate|up 46 vs 82. 32 x 32 tiles in 4 K groups beat 64 x 64 tiles in one (433 vs 576 us a layer at 512 rows): too
# few 64 x 64 tiles to fill the GPU, each looping through all of K. With x and w staged as vec4s, a 512-row step's
# matmuls took 10.92 ms instead of 12.58, and 10.07 with ffn_down (K = 1536) tiled too, which the scalar-staged
# kernel had lost at 64 and 128 rows; 8 tokens per invocation (64 x 32, 32 x 64, 64 x 64 tiles) took 10.6-11.6 ms.
# (Those figures are of a first vec4 layout that raced; the race-free one takes 10.25 ms: matmul_tiled.wgsl.j2.)
# With it, a sweep on an H200 (one 512-row step's matmuls): 32 x 32 tiles in 4 K groups of 8 took 10.16-10.26 ms;
# K groups of 16 (2 groups) 21.8, though that run's attention ran 2x slow too; 64 x 32 with 8 tokens an invocation
# 11.10; 32 x 64 in 2 groups 11.19; 64 x 64 in 2 groups 10.52; 2 tokens an invocation 11.95.
# Which tiling pays depends on how many workgroups a step gives it. H200, each matrix's 30 dispatches in one step
# of synthetic SmolLM2, timed after 0.4 s of decode (the clock is up), ms at 64 / 128 / 256 / 512 rows:
#   32 x 32, 4 K groups:   ffn_down 1.55 / 1.53 / 2.12 / 2.68, gate|up 1.15 / 1.41 / 2.79 / 4.60,
#                          output 0.78 / 0.76 / 0.93 / 1.18, QKV 1.02 / 1.01 / 1.17 / 1.73
#   32 x 16, 8 K groups:   ffn_down 0.97 / 1.34 / 1.69 / 2.80, gate|up 0.97 / 1.76 / 3.28 / 6.13,
#                          output 0.55 / 0.67 / 0.83 / 1.34, QKV 0.76 / 0.86 / 1.71 / 2.65
#   64 x 64, 8 tokens an invocation, 2 K groups: gate|up 1.99 / 1.95 / 2.61 / 3.43 (the others slower throughout)
# With few tiles a step is as long as one workgroup's serial path through K, so more K groups of fewer inputs win;
# with many, fewer instructions per multiply-add do. Each matmul therefore chains them: 32 x 16 from min_rows, and
# each next tiling from the rows at which it has min_wgs workgroups (32 x 32 took over between 192 and 240 of them,
# 64 x 64 between 96 and 192). Those counts are the H200's (132 SMs); no other GPU was measured. With the chain, in
# one run, a step's matmuls took 3.26 / 4.28 / 6.30 / 9.04 ms at 64 / 128 / 256 / 512 rows, against 4.52 / 4.70 /
# 7.01 / 10.21 with 32 x 32 alone. The f16 kernel's transposed staging done in f32, 4 or 8 columns an invocation,
# was slower at every tile shape (13.8 against 10.3 ms a 512-row step at 32 x 32).
MATMUL_SMALL = {"bt": 32, "bn": 16, "tm": 4, "bk": 8, "kg": 8}
MATMUL_TILINGS = [MATMUL_SMALL, {"bt": 32, "bn": 32, "tm": 4, "bk": 8, "kg": 4, "min_wgs": 240},
                  {"bt": 64, "bn": 64, "tm": 8, "bk": 8, "kg": 2, "min_wgs": 192}]
MATMUL_TILED = {v: {"min_rows": 64, "max_k": 2048, "tilings": MATMUL_TILINGS} for v in ("gpu", "gpu_sg")}
# gpu_f16 (shader-f16): x and the decoded weights staged in f16, multiplied and summed in f16 within a slice of 16 k,
# the slices' sums added in f32 (matmul_tiled.wgsl.j2). Half the workgroup memory a slice, so slices twice as deep
# fit 16 KiB. H200, one 512-row step's matmuls, the same run: 9.37-9.44 ms against 10.11-10.26 ms for the f32
# 32 x 32 program; 16-k slices in f32 (17 KiB) took 12.8 ms. Other f16 tiles took 10.4-12.4 ms (32 x 32 in 2 K
# groups, 32 x 64, 64 x 32 and 64 x 64 with 8 tokens an invocation), and a first version whose x and w shares fell
# on the same warps 12.1 ms in this shape. The outputs differ from f32 by f16 rounding: about 1e-3 of the largest
# output on random matrices (tests/test_kernels.py). In the per-matrix sweep above, f16 32 x 32 took 1.65 / 1.65 /
# 2.02 / 2.71 ms (ffn_down), 1.04 / 1.25 / 2.14 / 3.86 (gate|up), 0.79 / 0.79 / 0.93 / 1.19 (output) and 0.95 /
# 0.94 / 1.06 / 1.53 (QKV); f16 32 x 16 in 8 groups was slower than f32's at every size (1.25 / 1.51 / 2.42 / 3.61
# for ffn_down). So gpu_f16 keeps f32's 32 x 16 for short steps, and f32's 64 x 64 only where gate|up reaches 512
# rows (2.64 against 2.14 at 256).
MATMUL_TILED["gpu_f16"] = {"min_rows": 64, "max_k": 2048, "tilings": [
    MATMUL_SMALL, {"bt": 32, "bn": 32, "tm": 4, "bk": 16, "kg": 4, "f16": True, "min_wgs": 240},
    MATMUL_TILINGS[2] | {"min_wgs": 384}]}


# Epilogues that take two weight rows per output: gate and up (silu_mul), or the two elements of a q|k|v pair that
# RoPE rotates together (rope_kv). `w` holds the first rows, padded to paired_half rows, then their partners.
PAIRED_ACTS = ("silu_mul", "rope_kv")


@dataclass(frozen=True)
class KVWrite:
    """A rope_kv step's shapes: q|k|v rows split into q and this layer's caches, q and k rotated (RoPE) at each
    row's position. style: "interleaved" (pairs 2j, 2j+1 of a head), "half" (j, j + head_dim/2) or "" (no
    rotation: pairs as in "half", copied as they are)."""

    q_dim: int
    kv_dim: int
    head_dim: int
    context: int
    max_rows: int
    style: str = ""
    theta: float = 10000.0

    @staticmethod
    def of(q_dim: int, kv_dim: int, head_dim: int, rope: dict | None, *, context: int, max_rows: int) -> "KVWrite":
        rope = rope or {}
        return KVWrite(q_dim, kv_dim, head_dim, context, max_rows, rope.get("style", ""), float(rope.get("theta", 10000.0)))

    @property
    def pairs(self) -> int:
        return self.q_dim // 2 + self.kv_dim

    def consts(self) -> dict:
        if self.head_dim % 2 or self.q_dim % self.head_dim or self.kv_dim % self.head_dim:
            raise ValueError(f"rope_kv needs whole heads of an even head dim, got q_dim={self.q_dim}, "
                             f"kv_dim={self.kv_dim}, head_dim={self.head_dim}")
        return dict(q_dim=self.q_dim, kv_dim=self.kv_dim, head_dim=self.head_dim, context=self.context,
                    rope=bool(self.style), style=self.style or "half", log2_theta=_f(math.log2(self.theta)))

    def columns(self) -> tuple[np.ndarray, np.ndarray]:
        """The two q|k|v columns of each pair, in pair order (q pairs head by head, k pairs, then v element e with
        e + kv_dim/2): the map kv_write.wgsl.j2's pair_cols computes, and the row order of a fused QKV weight."""
        j = np.arange(self.head_dim // 2)
        a, b = (2 * j, 2 * j + 1) if self.style == "interleaved" else (j, j + self.head_dim // 2)

        def heads(width: int, col0: int) -> tuple[np.ndarray, np.ndarray]:
            h = col0 + self.head_dim * np.arange(width // self.head_dim)[:, None]
            return (h + a).ravel(), (h + b).ravel()

        (qa, qb), (ka, kb) = heads(self.q_dim, 0), heads(self.kv_dim, self.q_dim)
        va = self.q_dim + self.kv_dim + np.arange(self.kv_dim // 2)
        return np.concatenate([qa, ka, va]), np.concatenate([qb, kb, va + self.kv_dim // 2])


@dataclass(frozen=True)
class AttentionParts:
    """The split attention whose output a matmul reads as its x, where that matmul merges the spans' partial
    states as it stages x (attention_merge's work, without its dispatch; passes._fuse_attention_merge). splits:
    (variant, spans) pairs, as attention_splits gives them."""

    heads: int
    head_dim: int
    max_rows: int
    splits: tuple

    def consts(self, variant: str) -> dict:
        """A variant's merge constants (merge 0: one span, so attention wrote x itself)."""
        n = dict(self.splits)[variant]
        return dict(merge=n if n > 1 else 0, heads=self.heads, head_dim=self.head_dim, span_min=ATTENTION_SPAN_MIN,
                    max_parts=MERGE_MAX_PARTS,
                    merge_below=ATTENTION_TILED[variant]["min_rows"] if variant in ATTENTION_TILED else 1 << 31)


def merge_tile_tokens(K: int, heads: int, splits: int | None = None, *, wg: int = 256, tt: int = 8) -> int:
    """Tokens per workgroup (at most tt, a power of two) of a GPU matmul that stages merged attention output: its
    x rows (K floats each), two floats per (head, span), MERGE_MAX_PARTS per head, and the reduction array, in
    16 KiB; 0 when not even one token fits (such models keep the attention_merge dispatch). splits: the most any
    variant uses unless given."""
    splits = splits or max(s["splits"] for s in ATTENTION_SHAPES.values())
    while tt and merge_tile_bytes(K, heads, splits, tt) + 8 * wg > DEFAULT_LIMITS["max_workgroup_storage_bytes"]:
        tt //= 2
    return tt


def merged_splits(K: int, heads: int, splits: int) -> int:
    """At most `splits` spans, halved until a GPU matmul staging 2 tokens a tile can merge them (SmolLM2's 9 heads
    keep 64; 12 heads of 64, as GPT-2 small, take 32, which their 2-token tiles held before spans went to 64).
    `splits` itself when no count above 1 fits: attention_merge then merges them in its own dispatch."""
    n = splits
    while n > 1 and merge_tile_tokens(K, heads, n) < 2:
        n //= 2
    return n if n > 1 else splits


def can_merge_attention(heads: int, head_dim: int) -> bool:
    """Whether the matmul reading this attention's output can merge its spans (passes._fuse_attention_merge) on
    every variant: no CPU variant splits, the GPU ones' decode programs fit 2 tokens a tile, and their tiled
    programs exist (K <= max_k; without one, long prefill steps would run the few-token decode program) and start
    no earlier than attention runs one span a row."""
    K = heads * head_dim
    for variant, sh in ATTENTION_SHAPES.items():
        if sh["splits"] == 1:
            continue
        if MATMUL_SHAPES[variant]["quads"] or merge_tile_tokens(K, heads, merged_splits(K, heads, sh["splits"])) < 2:
            return False
        tiling, att = MATMUL_TILED.get(variant), ATTENTION_TILED.get(variant)
        if tiling is None or att is None or K > tiling["max_k"] or tiling["min_rows"] < att["min_rows"]:
            return False
    return True


# Invocations that share a head's max over its spans in the span merge (matmul.wgsl.j2 stage_x): 4 keep SmolLM2's
# merging output projection at 2 tokens a tile with 64 spans (16160 of 16384 bytes of workgroup memory).
MERGE_MAX_PARTS = 4


def merge_tile_bytes(K: int, heads: int, splits: int, tt: int) -> int:
    """Workgroup memory of matmul.wgsl.j2's stage_x for tt tokens: xs, sw, sl and smax."""
    return 4 * tt * K + 8 * tt * heads * splits + 4 * tt * heads * MERGE_MAX_PARTS


# Cached: every layer asks for the same few matmuls (SmolLM2: 121 calls, 5 kernels), and rendering their 6 programs
# each was most of the compile time (1.5 of 2.2 s under cProfile). Callers do not modify the Kernel.
@functools.lru_cache(maxsize=None)
def matmul_kernel(fmt: str, K: int, N: int, *, row0=0, out_n=None, prologue=None, eps=1e-5, bias=False,
                  act=None, residual=False, rows="T", kv: KVWrite | None = None,
                  parts: AttentionParts | None = None, max_rows: int | None = None) -> Kernel:
    """y[t, row0 + n] (+)= act(W[n] · prologue(x[t]) + bias) for the N rows held in `w`, for every row t of x.

    rows: "T" when x has one row per row of the step (p.n_rows), "O" when it has one per output (p.n_out: the
    LM head, after the final norm gathered the output rows).

    With a paired act (PAIRED_ACTS), `w` holds N/2 rows, padded to paired_half(N/2) rows, then their N/2 partner
    rows. act="silu_mul": gate then up rows, and the output is N/2 wide. act="rope_kv" (with `kv`): the two
    columns of q|k|v pairs (KVWrite.columns, pairs row0 on), rotated and written to q and the caches instead of
    an output. `w` is bound as vec4<u32> words whatever the format (f32 weights are bit-cast).

    With `parts`, x is a split attention's output: in steps short enough for its spans, the decode program of a
    variant with several spans merges them from `part` as it stages x in workgroup memory (fewer tokens a tile).
    """
    paired = act in PAIRED_ACTS
    out_n = out_n if out_n is not None else (N // 2 if paired else N)
    if K % 4 or (fmt not in ("f32", "f16") and K % 32):
        raise ValueError(f"{fmt} weights need K divisible by {4 if fmt in ('f32', 'f16') else 32}, got K={K}")
    if rows not in ("T", "O"):
        raise ValueError(f"rows must be 'T' or 'O', got {rows!r}")
    if (act == "rope_kv") != (kv is not None) or (kv is not None and (bias or residual or rows != "T")):
        raise ValueError("act='rope_kv' goes with kv (a KVWrite), one row of x per step row, and no bias or residual")
    if paired and prologue == "layernorm":   # its W·g, W·b sums are made for the first rows only
        raise ValueError(f"act={act!r} cannot take a layernorm prologue")
    if parts is not None and (prologue or rows != "T" or K != parts.heads * parts.head_dim
                              or not can_merge_attention(parts.heads, parts.head_dim)):
        raise ValueError("a matmul merging attention spans reads x of heads * head_dim per step row, with no "
                         "prologue, where can_merge_attention allows it")
    bindings = [Binding("p", "uniform")] + ([Binding("ctl", "read", "u32")] if kv or parts else [])
    bindings += [Binding("x", "read", "vec4<f32>")] + ([Binding("part", "read")] if parts else [])
    bindings += [Binding("w", "read", "vec4<u32>")]
    if bias:
        bindings.append(Binding("bias", "read"))
    if prologue:
        bindings.append(Binding("norm_w", "read", "vec4<f32>"))
        if prologue == "layernorm":
            bindings.append(Binding("norm_b", "read", "vec4<f32>"))
    if kv:
        bindings += [Binding("q", "read_write"), Binding("k_cache", "read_write"), Binding("v_cache", "read_write")]
    else:
        bindings.append(Binding("out", "read_write"))
    n_w = N // 2 if paired else N
    half = paired_half(n_w) if paired else 0
    consts = dict(fmt=fmt, K=K, N=n_w, row0=row0, out_n=out_n, prologue=prologue or "", eps=_f(eps),
                  bias=bias, act=act or "", residual=residual, count="n_rows" if rows == "T" else "n_out",
                  half=half, two=fmt in ("q4_0", "q4_1"), paired=paired,
                  wgroups=2 * half // 8 if paired else -(-n_w // 8))
    if kv:
        consts |= kv.consts() | {"max_rows": kv.max_rows}
    if parts:
        consts |= {"max_rows": parts.max_rows, "parts": parts.splits}
    desc = (f"{fmt}_k{K}_n{N}" + (f"_{prologue}" if prologue else "") + (f"_{act}" if act else "")
            + ("_res" if residual else "") + ("_merge" if parts else ""))
    k = Kernel("matmul", _name("matmul", desc, consts), bindings)
    rendered: dict[str, str] = {}               # decode sources by their render arguments
    tiled: dict[str, KernelVariant] = {}        # tiled programs by their tiling
    for variant in VARIANTS:
        sh = MATMUL_SHAPES[variant]
        wg, lanes, tt, quads = sh["wg"], sh["lanes"], sh["tt"], sh["quads"]
        # Stage g * x in workgroup memory when it fits in 12 KiB of the 16 KiB the spec guarantees.
        local_stats = bool(quads and prologue and sh.get("local_stats"))
        stage_x = bool(quads and prologue == "rmsnorm" and tt * K * 4 <= 12288 and not local_stats)
        sg = bool(sh.get("sg"))
        merge = parts.consts(variant) if parts else {"merge": 0}
        if merge["merge"]:
            tt = merge_tile_tokens(K, parts.heads, merge["merge"], wg=wg, tt=tt)
        args = dict(wg=wg, lanes=lanes, tt=tt, quads=quads, stage_x=stage_x, sg=sg, local_stats=local_stats) | merge
        key = repr(sorted(args.items()))   # variants of one shape (gpu, gpu_f16) share the decode program
        if key not in rendered:
            rendered[key] = render("matmul", bindings, **(consts | args))
        src = rendered[key]
        if sg:
            src = "enable subgroups;\n" + src
        per_wg = wg * 4 * quads if quads else wg // lanes
        disp = [[n_w, per_wg], [rows, tt], [1, 1]]
        if quads:   # red and stat exist only for a norm made by the workgroup, xn only when staged
            wbytes = (8 * wg + 8 * tt if prologue and not local_stats else 0) + (4 * tt * K if stage_x else 0)
        else:
            wbytes = (8 * wg + (8 * tt if prologue else 0)
                      + (merge_tile_bytes(K, parts.heads, merge["merge"], tt) if merge["merge"] else 0))
        k.variants[variant] = KernelVariant(src, (wg, 1, 1), disp, wbytes)
        tiling = MATMUL_TILED.get(variant)
        if tiling and K <= tiling["max_k"]:
            chain = None
            for t, min_rows in reversed(tiling_rows(tiling, n_w, consts["paired"], max_rows)):
                shape = {k_: v for k_, v in t.items() if k_ != "min_wgs"}
                key = repr((sorted(shape.items()), min_rows))   # variants share their tiled programs
                if key not in tiled:
                    tiled[key] = tiled_matmul(bindings, consts, min_rows=min_rows, **shape)
                chain = dataclasses.replace(tiled[key], tiled=chain)
            k.variants[variant].tiled = chain
    return k


def tiling_rows(tiling: dict, n_w: int, paired: bool, max_rows: int | None) -> list[tuple[dict, int]]:
    """(tiling, min_rows) of the tiled programs a matmul of n_w output rows chains (MATMUL_TILED): the first from
    the variant's min_rows, each next from the rows at which it has min_wgs workgroups. A tiling that would start
    no later than the one before replaces it; one past max_rows (no step is that long) is left out."""
    out: list[tuple[dict, int]] = []
    for t in tiling["tilings"]:
        rows = tiling["min_rows"]
        if "min_wgs" in t:
            across = -(-n_w // (t["bn"] // 2 if paired else t["bn"]))
            rows = max(rows, -(-t["min_wgs"] // across) * t["bt"])
        while out and out[-1][1] >= rows:
            out.pop()
        if max_rows is None or rows <= max_rows:
            out.append((t, rows))
    return out


def tiled_matmul(bindings: list[Binding], consts: dict, *, bt: int, bn: int, tm: int, bk: int, kg: int,
                 min_rows: int, f16: bool = False) -> KernelVariant:
    """The tiled GEMM program of a matmul kernel: bt tokens x bn weight rows (bn / 2 output rows with silu_mul)
    per workgroup of kg groups of (bt / tm) x (bn / 4) invocations, each group taking 1/kg of K in bk-wide
    slices and each invocation holding tm tokens x 4 rows."""
    g1 = (bt // tm) * (bn // 4)
    wg = g1 * kg
    if bk % 4 or bn % 4 or bt % tm or wg % bt or wg > 256:
        raise ValueError(f"tiled matmul: bt={bt} bn={bn} tm={tm} bk={bk} kg={kg} do not divide into {wg} invocations")
    if f16 and tm % 4:
        raise ValueError(f"tiled matmul: f16 staging holds tokens in fours, got tm={tm}")
    src = render("matmul_tiled", bindings, bt=bt, bn=bn, tm=tm, bk=bk, kg=kg, f16=f16, **consts)
    if f16:
        src = "enable f16;\n" + src
    outs = bn // 2 if consts["paired"] else bn
    rows = "T" if consts["count"] == "n_rows" else "O"
    wbytes = ((2 if f16 else 4) * kg * bk * (bt + bn) + (16 * g1 if kg > 1 else 0)
              + (8 * wg + 8 * bt if consts["prologue"] else 0))
    if wbytes > DEFAULT_LIMITS["max_workgroup_storage_bytes"]:
        raise ValueError(f"tiled matmul: {wbytes} bytes of workgroup memory, over the spec default")
    return KernelVariant(src, (wg, 1, 1), [[consts["N"], outs], [rows, bt], [1, 1]], wbytes, min_rows=min_rows)


def _f(v: float) -> str:
    """A WGSL f32 literal."""
    r = repr(float(v))
    return r if ("." in r or "e" in r) else r + ".0"


# ------------------------------------------------------------------ other ops


def embedding_kernel(fmt: str, D: int, *, row0: int, rows: int, position: bool, max_rows: int) -> Kernel:
    """x[r] = W[token of row r] (+ P[pos of row r]); the token is tokens[r], or sampled[src] when the row takes the
    id the previous step sampled (so decode never waits for the CPU to read it)."""
    bindings = [Binding("p", "uniform"), Binding("ctl", "read", "u32"), Binding("tokens", "read", "u32"),
                Binding("sampled", "read", "u32"), Binding("w", "read", _w_elem(fmt))]
    if position:
        bindings.append(Binding("pos_w", "read"))
    bindings.append(Binding("x", "read_write"))
    consts = dict(fmt=fmt, D=D, row0=row0, rows=rows, position=position)
    k = Kernel("embedding", _name("embedding", f"{fmt}_d{D}", consts | {"max_rows": max_rows}), bindings)
    src = render("embedding", bindings, max_rows, wg=64, **consts)
    for variant in VARIANTS:
        k.variants[variant] = KernelVariant(src, (64, 1, 1), [[D, 64], ["T", 1], [1, 1]], 0)
    return k


def rope_kv_kernel(q_dim: int, kv_dim: int, head_dim: int, rope: dict | None, *, context: int,
                   max_rows: int) -> Kernel:
    """Rotates q and k of each row at its position and writes k, v into its slot's cache rows: for a QKV matmul
    that could not take the rope_kv epilogue (passes._fuse_kv_write). One invocation per pair (KVWrite.columns)."""
    kv = KVWrite.of(q_dim, kv_dim, head_dim, rope, context=context, max_rows=max_rows)
    bindings = [Binding("p", "uniform"), Binding("ctl", "read", "u32"), Binding("qkv", "read"),
                Binding("q", "read_write"), Binding("k_cache", "read_write"), Binding("v_cache", "read_write")]
    consts = kv.consts()
    k = Kernel("rope_kv", _name("rope_kv", f"q{q_dim}_kv{kv_dim}", consts | {"max_rows": max_rows}), bindings)
    src = render("rope_kv", bindings, max_rows, wg=64, **consts)
    for variant in VARIANTS:
        k.variants[variant] = KernelVariant(src, (64, 1, 1), [[kv.pairs, 64], ["T", 1], [1, 1]], 0)
    return k


# Per-variant attention: "lanes" (one invocation per SIMD lane, each with its own keys, for CPU adapters) or
# "chunks" (GPUs: keys WG at a time through workgroup memory), and SPLITS spans of the keys per (kv head, row), each
# its own workgroup, combined by attention_merge (flash-decoding). One workgroup per kv head read 1 MB of cache per
# layer at context 2048 on 9 of an H200's 132 multiprocessors. 64 spans (32 keys each at context 2048) against 32,
# synthetic SmolLM2 on an H200, two alternating rounds: decode at context 2048 568-576 tok/s against 518-521, at 64
# and 512 the same within 1-2%, 16 sequences batched 5452-5495 against 5559-5603 (the merging matmul's workgroup
# memory for the spans' weights doubles). Their scratch (`part`) is 9.6 MB: attention_part_rows.
ATTENTION_SHAPES = {
    "cpu": {"style": "lanes", "wg": 8, "splits": 1},
    "cpu_sw": {"style": "lanes", "wg": 8, "splits": 1},
    # 256 invocations: (key, head) pairs score a chunk of 64 keys at once, then 4 key groups x 64 dimensions
    # accumulate values, so a span's serial loop is 16 keys deep rather than 64.
    "gpu": {"style": "chunks", "wg": 256, "splits": 64, "chunk": 64},
    "gpu_sg": {"style": "chunks", "wg": 256, "splits": 64, "chunk": 64},
    "gpu_f16": {"style": "chunks", "wg": 256, "splits": 64, "chunk": 64},
}
# Steps of at least min_rows rows run the tiled prefill attention (attention_tiled.wgsl.j2) on tiles of `rows`
# consecutive rows of one slot, `chunk` keys staged at a time, `lanes` invocations per (row, head) pair each taking
# every lanes-th key; the split kernel and its merge skip those rows. On an H200, the tiled attention of one 512-row
# step of SmolLM2's shapes (30 layers, each program in its own pass): 32 rows, 1 lane 5.31 ms; 16 rows, 2 lanes
# 3.20; 16 rows, 4 lanes 2.84; 8 rows, 4 lanes 2.63; 8 rows, 8 lanes 2.64; 4 rows, 4 lanes 2.92. Without the
# padding between staged keys, 4 lanes had been slower than 1 (7.01 ms): the lanes' reads hit the same banks.
# With lane-major lanes and two keys an iteration (attention_tiled.wgsl.j2), in three runs on one H200: 16 keys
# staged took 1.92-1.93 ms and 24 keys 1.89, against 2.31 before in the same runs; with two keys, 8 rows x 8 lanes
# took 2.17 and 4 rows x 8 lanes 2.06.
ATTENTION_TILED = {v: {"rows": 8, "chunk": 24, "min_rows": 64, "lanes": 4} for v in ("gpu", "gpu_sg", "gpu_f16")}
# Keys per span at least: below it a span's fixed costs (q load, barriers, one more partial to merge) outweigh its
# keys. On an H200, 32 spans of 2-3 keys at context 64 cost 14 + 18 us per layer (attention + merge, each timed in
# its own pass) and 2 spans of 64 keys 52 + 6 us: a span's keys are a serial loop, so short spans win.
ATTENTION_SPAN_MIN = 16


def attention_splits(heads: int, head_dim: int, *, context: int, max_rows: int,
                     binding_limit: int = DEFAULT_LIMITS["max_storage_buffer_binding_size"]) -> dict[str, int]:
    """Spans per variant: its ATTENTION_SHAPES figure, fewer when the merging matmul could not stage that many
    (merged_splits), when the context is short (at least 16 keys a span at full context) or when the partial
    states of a step's rows would not fit one binding."""
    fit = binding_limit // (4 * attention_part_rows(max_rows) * heads * (head_dim + 2))
    return {v: max(1, min(merged_splits(heads * head_dim, heads, sh["splits"]), max(1, context // 16), fit))
            for v, sh in ATTENTION_SHAPES.items()}


def attention_part_rows(max_rows: int) -> int:
    """Rows of a step whose spans' partial states are kept: a variant that splits writes them only in steps shorter
    than its tiled min_rows (longer steps run attention with one span a row, which writes its output itself), so
    the scratch buffer holds 63 rows, not a 512-row step's (SmolLM2 at 64 spans: 9.6 MB instead of 78)."""
    rows = [ATTENTION_TILED[v]["min_rows"] - 1 if v in ATTENTION_TILED else max_rows
            for v, sh in ATTENTION_SHAPES.items() if sh["splits"] > 1]
    return max(1, min(max_rows, max(rows, default=1)))


def attention_part_width(heads: int, head_dim: int, splits: dict[str, int]) -> int:
    """Floats per row of the scratch buffer holding the spans' partial states (acc, m, l) per head."""
    return heads * max(splits.values()) * (head_dim + 2)


def attention_kernel(heads: int, kv_heads: int, head_dim: int, *, context: int, max_rows: int,
                     splits: dict[str, int] | None = None) -> Kernel:
    """Causal attention of each row over its own slot's cache rows 0..pos (a slot never sees another's keys): the
    output, or with several spans (`splits`, per variant: attention_splits) their partial states in `part` for
    attention_merge."""
    splits = splits or attention_splits(heads, head_dim, context=context, max_rows=max_rows)
    if head_dim % 4 or heads % kv_heads:
        raise ValueError(f"attention needs a head dim divisible by 4 and heads a multiple of kv heads, got "
                         f"head_dim={head_dim}, heads={heads}, kv_heads={kv_heads}")
    bindings = [Binding("p", "uniform"), Binding("ctl", "read", "u32"), Binding("q", "read", "vec4<f32>"),
                Binding("k_cache", "read", "vec4<f32>"), Binding("v_cache", "read", "vec4<f32>"),
                Binding("out", "read_write"), Binding("part", "read_write")]
    consts = dict(q_dim=heads * head_dim, kv_dim=kv_heads * head_dim, head_dim=head_dim, context=context,
                  group=heads // kv_heads, scale=_f(1.0 / math.sqrt(head_dim)))
    k = Kernel("attention", _name("attention", f"h{heads}_kv{kv_heads}_d{head_dim}",
                                  consts | {"max_rows": max_rows, "splits": splits}), bindings)
    for variant in VARIANTS:
        sh = ATTENTION_SHAPES[variant]
        wg = max(sh["wg"], head_dim) if sh["style"] == "chunks" else sh["wg"]
        if sh["style"] == "chunks" and wg % head_dim:
            raise ValueError(f"attention ({variant}): {wg} invocations are not whole key groups of {head_dim}")

        def source(n_splits: int) -> str:
            return render("attention", bindings, max_rows, style=sh["style"], wg=wg, splits=n_splits,
                          span_min=ATTENTION_SPAN_MIN, chunk=sh.get("chunk", wg), **_tiling(variant), **consts)

        src = source(splits[variant])
        group = heads // kv_heads
        if sh["style"] == "lanes":
            wbytes = 8 * wg * group + 4 * wg * group * head_dim
        else:
            wbytes = 4 * group * head_dim + 4 * group * sh["chunk"] + 4 * group * wg
        k.variants[variant] = KernelVariant(src, (wg, 1, 1), [[kv_heads, 1], ["T", 1], [splits[variant], 1]], wbytes)
        if variant in ATTENTION_TILED and splits[variant] > 1:
            # Long steps: rows are parallel enough without spans (and most go to attention_tiled), while a grid of
            # 32 spans per row launched ~49k mostly idle workgroups per layer at 512 rows (H200: 7.9 ms a step).
            k.variants[variant].tiled = KernelVariant(source(1), (wg, 1, 1), [[kv_heads, 1], ["T", 1], [1, 1]], wbytes,
                                                      min_rows=ATTENTION_TILED[variant]["min_rows"])
    return k


def attention_merge_kernel(heads: int, head_dim: int, *, max_rows: int, splits: dict[str, int]) -> Kernel:
    """out = the attention spans' partial states combined; a variant with one span dispatches nothing."""
    bindings = [Binding("p", "uniform"), Binding("ctl", "read", "u32"), Binding("part", "read"),
                Binding("out", "read_write")]
    consts = dict(q_dim=heads * head_dim, head_dim=head_dim, span_min=ATTENTION_SPAN_MIN)
    k = Kernel("attention_merge", _name("attention_merge", f"h{heads}_d{head_dim}",
                                        consts | {"max_rows": max_rows, "splits": splits}), bindings)
    for variant in VARIANTS:
        src = render("attention_merge", bindings, max_rows, splits=splits[variant], **_tiling(variant), **consts)
        count = heads if splits[variant] > 1 else 0
        k.variants[variant] = KernelVariant(src, (head_dim, 1, 1), [[count, 1], ["T", 1], [1, 1]],
                                            8 * splits[variant])
        if variant in ATTENTION_TILED and count:
            # Long steps run attention with one span per row (its tiled program): nothing to merge.
            k.variants[variant].tiled = KernelVariant(src, (head_dim, 1, 1), [[0, 1], ["T", 1], [1, 1]],
                                                      8 * splits[variant], min_rows=ATTENTION_TILED[variant]["min_rows"])
    return k


def _tiling(variant: str) -> dict:
    """The tile constants the split attention kernels skip rows by (tiled_min 0: the variant has no tiled kernel)."""
    t = ATTENTION_TILED.get(variant)
    return {"tile_rows": t["rows"], "tiled_min": t["min_rows"]} if t else {"tile_rows": 1, "tiled_min": 0}


def attention_tiled_kernel(heads: int, kv_heads: int, head_dim: int, *, context: int, max_rows: int) -> Kernel:
    """Causal attention for long steps: tiles of rows of one slot, keys staged once per tile (attention_tiled).

    Only steps of at least ATTENTION_TILED min_rows rows run it: its program for other steps has an empty grid, and
    its `tiled` program is the kernel. Variants without ATTENTION_TILED never dispatch it."""
    bindings = [Binding("p", "uniform"), Binding("ctl", "read", "u32"), Binding("q", "read", "vec4<f32>"),
                Binding("k_cache", "read", "vec4<f32>"), Binding("v_cache", "read", "vec4<f32>"),
                Binding("out", "read_write")]
    group = heads // kv_heads
    consts = dict(q_dim=heads * head_dim, kv_dim=kv_heads * head_dim, head_dim=head_dim, context=context,
                  group=group, scale=_f(1.0 / math.sqrt(head_dim)))
    k = Kernel("attention_tiled", _name("attention_tiled", f"h{heads}_kv{kv_heads}_d{head_dim}",
                                        consts | {"max_rows": max_rows, "tiling": ATTENTION_TILED}), bindings)
    first = next(iter(ATTENTION_TILED.values()))
    for variant in VARIANTS:
        t = ATTENTION_TILED.get(variant, first)
        chunk, lanes, wbytes = _attention_tile_memory(t, head_dim, group)
        wg = t["rows"] * group * lanes
        if wg > DEFAULT_LIMITS["max_invocations_per_workgroup"]:
            raise ValueError(f"attention_tiled: {t['rows']} rows x {group} heads per kv head x {lanes} lanes exceed "
                             "256 invocations")
        src = render("attention_tiled", bindings, max_rows, tile_rows=t["rows"], tiled_min=t["min_rows"],
                     chunk=chunk, lanes=lanes, **consts)
        k.variants[variant] = KernelVariant(src, (wg, 1, 1), [[0, 1], [1, 1], [1, 1]], wbytes)
        if variant in ATTENTION_TILED:
            k.variants[variant].tiled = KernelVariant(src, (wg, 1, 1), [[kv_heads, 1], ["T", t["rows"]], [1, 1]],
                                                      wbytes, min_rows=t["min_rows"])
    return k


def _attention_tile_memory(t: dict, head_dim: int, group: int) -> tuple[int, int, int]:
    """(keys staged at a time, lanes per pair, workgroup bytes) for a tiling config at this head shape.

    With lanes, staged keys are padded and the merge needs WG vec4s: at head_dim 128 (Llama-3, Mistral) 24 keys
    would take 25344 bytes before the merge, over the 16 KiB every adapter has. Half as many keys are staged at a
    time until they fit, down to 3 (24, 12, 6, 3); past that, one lane per pair (unpadded, no merge), as before lanes
    existed, with as many keys as fit. Every head_dim of 32-256 with 1-8 query heads per kv head fits with lanes."""
    limit = DEFAULT_LIMITS["max_workgroup_storage_bytes"]
    lanes, chunk = t.get("lanes", 1), t["chunk"]
    while lanes > 1 and chunk >= 3:
        wbytes = 2 * 16 * chunk * (head_dim // 4 + 1) + 16 * t["rows"] * group * lanes
        if wbytes <= limit:
            return chunk, lanes, wbytes
        chunk //= 2
    chunk = t["chunk"]
    while 2 * 4 * chunk * head_dim > limit:
        if chunk == 1:
            raise ValueError(f"tiled attention: one key and value of head_dim {head_dim} take "
                             f"{8 * head_dim} bytes of workgroup memory, over the {limit} every adapter has")
        chunk //= 2
    return chunk, 1, 2 * 4 * chunk * head_dim


def norm_kernel(kind: str, D: int, *, eps: float, gather: bool = False, max_rows: int | None = None,
                inplace: bool = False) -> Kernel:
    """rmsnorm / layernorm of each row; with `gather`, only of the output rows (ctl's out_row(o)), written compactly
    as row o (the final norm before the LM head, which only the outputs need); with `inplace`, back into x (an
    encoder's post-norm residual stream: no second buffer, and one binding fewer)."""
    if D % 4:
        raise ValueError(f"{kind} needs a width divisible by 4, got {D}")
    if inplace and gather:
        raise ValueError("a gathering norm writes fewer rows than it reads: it cannot work in place")
    bindings = [Binding("p", "uniform")] + ([Binding("ctl", "read", "u32")] if gather else [])
    bindings += [Binding("x", "read_write" if inplace else "read", "vec4<f32>"), Binding("norm_w", "read", "vec4<f32>")]
    if kind == "layernorm":
        bindings.append(Binding("norm_b", "read", "vec4<f32>"))
    if not inplace:
        bindings.append(Binding("out", "read_write", "vec4<f32>"))
    consts = dict(kind=kind, D=D, eps=_f(eps), gather=gather)
    desc = f"d{D}" + ("_gather" if gather else "") + ("_inplace" if inplace else "")
    # `inplace` joins the name's hash only when set, so the names of existing kernels (and artifacts) stay as they were.
    k = Kernel(kind, _name(kind, desc, consts | {"max_rows": max_rows} | ({"inplace": True} if inplace else {})),
               bindings)
    src = render("norm", bindings, max_rows if gather else None, wg=64, inplace=inplace, **consts)
    for variant in VARIANTS:
        k.variants[variant] = KernelVariant(src, (64, 1, 1), [[1, 1], ["O" if gather else "T", 1], [1, 1]], 8 * 64)
    return k


def sample_kernel(vocab: int, *, max_rows: int) -> Kernel:
    """One workgroup per output: its logits row -> a token id in sampled[o], with that output's settings."""
    bindings = [Binding("p", "uniform"), Binding("ctl", "read", "u32"), Binding("logits", "read"),
                Binding("sampled", "read_write", "u32")]
    k = Kernel("sample", _name("sample", f"v{vocab}", {"vocab": vocab, "max_rows": max_rows}), bindings)
    src = render("sample", bindings, max_rows, vocab=vocab, wg=256)
    for variant in VARIANTS:
        k.variants[variant] = KernelVariant(src, (256, 1, 1), [["O", 1], [1, 1], [1, 1]], 8 * 256 + 4)
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
