"""The graph IR: a straight-line list of ops over named values, built from the imported model (compiler.model).

ImportedModel -> **Graph** -> passes (shapes, fusion, buffer planning) -> kernels. The builder declares only the shapes
of inputs and state; compiler/shapes.py infers the rest. Shapes use symbols the runtime resolves per load or step:
"T" the rows of one step (tokens of one or several sequences: a prefill chunk, one decode row per sequence), "O"
the rows that produce logits (at most one per sequence), "S" the sequence slots, "C" the KV cache rows per slot.
Every op kind has a numpy reference in compiler/reference.py; fused kinds are produced only by compiler/passes.py.

Each op belongs to a *unit* ("embed", "layer.N", "head", "sample") whose role (UNIT_ROLES) says what it consumes
and produces: the artifact's plan is split by unit so a stage can run any contiguous range. Only the boundary
values (`tokens`, the residual stream `x`, `logits`, `sampled`) cross unit boundaries; each layer owns its KV cache.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import ModelConfig

Shape = tuple  # of int | "T" | "O" | "S" | "C"

# A unit's role from its name: "layer.7" -> "layer". Runtimes read the role from the manifest, never the name.
UNIT_ROLES = ("embed", "layer", "head", "sample", "pool")   # "pool": an encoder's pooled, normalized output


def unit_role(unit: str) -> str:
    role = unit.split(".", 1)[0]
    if role not in UNIT_ROLES:
        raise ValueError(f"unit {unit!r} has no known role (roles: {', '.join(UNIT_ROLES)})")
    return role


@dataclass
class Value:
    name: str
    shape: Shape | None = None   # filled by compiler.shapes.infer_shapes for activations
    dtype: str = "f32"          # "f32" | "u32"
    kind: str = "activation"    # "activation" | "weight" | "state" (KV cache, lives across steps) | "io"


@dataclass
class Op:
    kind: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)
    unit: str = ""

    def __repr__(self) -> str:
        a = ", ".join(f"{k}={v}" for k, v in self.attrs.items() if k not in ("weights",))
        return f"[{self.unit}] {', '.join(self.outputs)} = {self.kind}({', '.join(self.inputs)}{'; ' + a if a else ''})"


@dataclass
class Graph:
    config: ModelConfig
    values: dict[str, Value]
    ops: list[Op]

    def value(self, name: str) -> Value:
        return self.values[name]

    def producers(self) -> dict[str, int]:
        return {o: i for i, op in enumerate(self.ops) for o in op.outputs}

    def consumers(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for i, op in enumerate(self.ops):
            for v in op.inputs:
                out.setdefault(v, []).append(i)
        return out

    def dump(self) -> str:
        return "\n".join(repr(op) for op in self.ops)


class _Builder:
    def __init__(self, cfg: ModelConfig, weight_fmt: dict[str, str]):
        self.cfg = cfg
        self.values: dict[str, Value] = {}
        self.ops: list[Op] = []
        self.unit = ""
        self.weight_fmt = weight_fmt
        self._n = 0

    def weight(self, name: str) -> str:
        if name not in self.values:
            self.values[name] = Value(name, None, "f32", "weight")
        return name

    def value(self, stem: str, shape: Shape | None = None, dtype: str = "f32", kind: str = "activation", exact=False) -> str:
        if exact:
            name = stem
        else:
            self._n += 1
            name = f"{stem}.{self._n}"
        self.values[name] = Value(name, shape, dtype, kind)
        return name

    def op(self, kind: str, inputs: list[str], out_stem: str | list, attrs=None) -> str | list[str]:
        outs = out_stem if isinstance(out_stem, list) else [out_stem]
        self.ops.append(Op(kind, list(inputs), outs, dict(attrs or {}), self.unit))
        return outs if isinstance(out_stem, list) else outs[0]

    def matmul(self, x: str, w: str, n: int, bias: str | None = None, stem="mm") -> str:
        y = self.value(stem)
        ins = [x, self.weight(w)] + ([self.weight(bias)] if bias else [])
        return self.op("matmul", ins, y, {"n": n, "bias": bias is not None})


def build_graph(cfg: ModelConfig, weight_fmt: dict[str, str]) -> Graph:
    """The unfused graph of one decoding step for `cfg` (llama or gpt2)."""
    b = _Builder(cfg, weight_fmt)
    D, hd = cfg.d_model, cfg.head_dim
    q_dim, kv_dim = cfg.n_heads * hd, cfg.n_kv_heads * hd
    tokens = b.value("tokens", ("T",), "u32", "io", exact=True)

    b.unit = "embed"
    x = b.value("x")
    x = b.op("embedding", [tokens, b.weight("token_embd.weight")], x)
    if cfg.arch == "gpt2":
        x2 = b.value("x")
        x = b.op("add_position", [x, b.weight("position_embd.weight")], x2)

    for i in range(cfg.n_layers):
        b.unit = f"layer.{i}"
        p = f"blk.{i}."
        k_cache = b.value(f"k_cache.{i}", ("S", "C", kv_dim), kind="state", exact=True)
        v_cache = b.value(f"v_cache.{i}", ("S", "C", kv_dim), kind="state", exact=True)
        h = _norm(b, x, p + "attn_norm")
        if cfg.arch == "llama":
            q = b.matmul(h, p + "attn_q.weight", q_dim, stem="q")
            k = b.matmul(h, p + "attn_k.weight", kv_dim, stem="k")
            v = b.matmul(h, p + "attn_v.weight", kv_dim, stem="v")
        else:
            qkv = b.matmul(h, p + "attn_qkv.weight", q_dim + 2 * kv_dim, p + "attn_qkv.bias", stem="qkv")
            q, k, v = b.op("split", [qkv], [b.value(s) for s in ("q", "k", "v")],
                           {"sizes": [q_dim, kv_dim, kv_dim]})
        if cfg.rope_style != "none":
            rope = {"theta": cfg.rope_theta, "style": cfg.rope_style, "head_dim": hd}
            q = b.op("rope", [q], b.value("q"), rope | {"heads": cfg.n_heads})
            k = b.op("rope", [k], b.value("k"), rope | {"heads": cfg.n_kv_heads})
        b.op("kv_write", [k, v], [k_cache, v_cache], {"layer": i})
        a = b.op("attention", [q, k_cache, v_cache], b.value("attn"),
                 {"heads": cfg.n_heads, "kv_heads": cfg.n_kv_heads, "head_dim": hd, "layer": i})
        o = b.matmul(a, p + "attn_output.weight", D, p + "attn_output.bias" if cfg.arch == "gpt2" else None, stem="o")
        x = b.op("add", [x, o], b.value("x"))
        h = _norm(b, x, p + "ffn_norm")
        if cfg.arch == "llama":
            g = b.matmul(h, p + "ffn_gate.weight", cfg.d_ff, stem="gate")
            u = b.matmul(h, p + "ffn_up.weight", cfg.d_ff, stem="up")
            m = b.op("silu_mul", [g, u], b.value("ffn"))
            d = b.matmul(m, p + "ffn_down.weight", D, stem="down")
        else:
            u = b.matmul(h, p + "ffn_up.weight", cfg.d_ff, p + "ffn_up.bias", stem="up")
            m = b.op("gelu", [u], b.value("ffn"))
            d = b.matmul(m, p + "ffn_down.weight", D, p + "ffn_down.bias", stem="down")
        x = b.op("add", [x, d], b.value("x"))

    b.unit = "head"
    h = _norm(b, x, "output_norm", outputs_only=True)
    head_w = "token_embd.weight" if cfg.tied_embeddings else "output.weight"
    logits = b.value("logits", exact=True)
    b.op("matmul", [h, b.weight(head_w)], logits, {"n": cfg.vocab_size, "bias": False})

    b.unit = "sample"
    b.op("sample", [logits], b.value("sampled", None, "u32", "io", exact=True), {"vocab": cfg.vocab_size})
    return Graph(cfg, b.values, b.ops)


def _norm(b: _Builder, x: str, w: str, outputs_only=False) -> str:
    """rmsnorm for llama, layernorm (with bias) for gpt2. `outputs_only` keeps just the rows that produce outputs
    (the last row of each sequence that samples in this step)."""
    cfg = b.cfg
    if outputs_only:
        x = b.op("take_outputs", [x], b.value("outs"))
    if cfg.arch == "llama":
        return b.op("rmsnorm", [x, b.weight(w + ".weight")], b.value("norm"), {"eps": cfg.norm_eps})
    return b.op("layernorm", [x, b.weight(w + ".weight"), b.weight(w + ".bias")], b.value("norm"), {"eps": cfg.norm_eps})
