"""Numpy reference: one obviously-correct function per op, and an interpreter for the unfused IR graph.

ImportedModel -> IR graph -> **reference interpreter** (float64-free, plain float32 numpy). Kernel tests compare every
WGSL kernel with these functions; model tests compare whole runs (tokens and logits) with the interpreter.
"""
from __future__ import annotations

import numpy as np

from .ir import Graph, build_graph
from .model import ImportedModel
from .quant import dequantize

f32 = np.float32


def embedding(tokens, W):            # tokens (T,) , W (V, D) -> (T, D)
    return W[np.asarray(tokens, dtype=np.int64)].astype(f32)


def add_position(x, P, positions):   # x (T, D), P (ctx, D), positions (T,) -> (T, D)
    return (x + P[np.asarray(positions, dtype=np.int64)]).astype(f32)


def rmsnorm(x, w, eps):              # x (T, D), w (D,) -> (T, D)
    ms = np.mean(x.astype(f32) ** 2, axis=-1, keepdims=True)
    return (x / np.sqrt(ms + f32(eps)) * w).astype(f32)


def layernorm(x, w, b, eps):         # x (T, D) -> (T, D)
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return ((x - mu) / np.sqrt(var + f32(eps)) * w + b).astype(f32)


def matmul(x, W, bias=None):         # x (T, K), W (N, K) -> (T, N)
    y = x.astype(f32) @ W.T.astype(f32)
    return (y + bias if bias is not None else y).astype(f32)


def rope(x, positions, theta, style, head_dim, heads):   # x (T, heads*head_dim), positions (T,) -> same
    T = x.shape[0]
    y = x.reshape(T, heads, head_dim).astype(f32).copy()
    half = head_dim // 2
    inv = theta ** (-np.arange(half, dtype=np.float64) * 2.0 / head_dim)
    ang = (np.asarray(positions, dtype=np.float64)[:, None] * inv[None, :]).astype(f32)
    c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    if style == "interleaved":
        a, b = y[..., 0::2].copy(), y[..., 1::2].copy()
        y[..., 0::2], y[..., 1::2] = a * c - b * s, a * s + b * c
    elif style == "half":
        a, b = y[..., :half].copy(), y[..., half:].copy()
        y[..., :half], y[..., half:] = a * c - b * s, a * s + b * c
    else:
        raise ValueError(f"unknown rope style {style!r}")
    return y.reshape(T, heads * head_dim)


def kv_write(k, v, k_cache, v_cache, slots, positions):   # k, v (T, kv_dim) into caches (S, C, kv_dim)
    for t, (s, p) in enumerate(zip(slots, positions)):
        k_cache[s, p] = k[t]
        v_cache[s, p] = v[t]


def attention(q, k_cache, v_cache, slots, positions, heads, kv_heads, head_dim):
    """Causal attention of each row over its own slot's cache rows 0..pos. q (T, heads*head_dim) -> same."""
    T = q.shape[0]
    group = heads // kv_heads
    out = np.zeros((T, heads * head_dim), f32)
    scale = f32(1.0 / np.sqrt(head_dim))
    for t in range(T):
        n = positions[t] + 1
        for h in range(heads):
            kh = h // group
            qv = q[t, h * head_dim:(h + 1) * head_dim]
            K = k_cache[slots[t], :n, kh * head_dim:(kh + 1) * head_dim]
            V = v_cache[slots[t], :n, kh * head_dim:(kh + 1) * head_dim]
            s = (K @ qv) * scale
            p = np.exp(s - s.max())
            out[t, h * head_dim:(h + 1) * head_dim] = (p / p.sum()) @ V
    return out


def silu_mul(g, u):
    return (g / (1.0 + np.exp(-g)) * u).astype(f32)


def gelu(x):                          # GPT-2's tanh approximation
    return (0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))).astype(f32)


def erf(x):
    """erf in float64 by Abramowitz & Stegun, Handbook of Mathematical Functions, formula 7.1.26 (absolute error
    below 1.5e-7; tests/test_encoder.py checks it against math.erf). numpy has no erf and scipy is not a dependency."""
    x = np.asarray(x, np.float64)
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def gelu_erf(x):                      # the exact GELU, x * Phi(x) (BERT's "gelu"; PyTorch's approximate="none")
    return (0.5 * x * (1.0 + erf(np.asarray(x, np.float64) / np.sqrt(2.0)))).astype(f32)


def encoder_attention(qkv, slots, heads, head_dim):
    """Bidirectional attention: each row attends to every row of its own sentence (rows with its slot), as BERT
    with a padding mask does. qkv (T, 3*heads*head_dim) -> (T, heads*head_dim)."""
    T = qkv.shape[0]
    D = heads * head_dim
    q, k, v = qkv[:, :D], qkv[:, D:2 * D], qkv[:, 2 * D:]
    slots = np.asarray(slots)
    out = np.zeros((T, D), f32)
    scale = f32(1.0 / np.sqrt(head_dim))
    for t in range(T):
        mask = slots == slots[t]   # the padding mask: keys of other sentences (or padding) are never seen
        for h in range(heads):
            cols = slice(h * head_dim, (h + 1) * head_dim)
            s = (k[mask, cols] @ q[t, cols]) * scale
            p = np.exp(s - s.max())
            out[t, cols] = (p / p.sum()) @ v[mask, cols]
    return out


def pool(x, mode):                    # x (n, D): one sentence's rows -> (D,)
    if mode == "mean":                # sentence-transformers' mean over the attention mask: [CLS] and [SEP] count
        return x.mean(axis=0).astype(f32)
    if mode == "cls":
        return x[0].astype(f32)
    raise ValueError(f"unknown pooling {mode!r}")


def l2_normalize(x, eps=1e-12):       # x (n, D): rows / max(||row||, eps), as torch.nn.functional.normalize
    n = np.sqrt((x.astype(f32) ** 2).sum(-1, keepdims=True))
    return (x / np.maximum(n, f32(eps))).astype(f32)


def pcg_hash(v: int) -> int:
    """The 32-bit PCG hash the sampling kernel uses for its random numbers."""
    state = (v * 747796405 + 2891336453) & 0xFFFFFFFF
    word = (((state >> ((state >> 28) + 4)) ^ state) * 277803737) & 0xFFFFFFFF
    return ((word >> 22) ^ word) & 0xFFFFFFFF


def uniform01(seed: int, step: int) -> float:
    """Uniform [0, 1) draw for (seed, step): 24 random bits, exactly representable in f32."""
    return (pcg_hash(seed ^ pcg_hash(step)) >> 8) / float(1 << 24)


def sample(logits, temperature=0.0, top_k=0, top_p=1.0, seed=0, step=0) -> int:
    """Greedy when temperature == 0; else temperature -> top-k -> top-p -> draw with (seed, step)."""
    z = np.asarray(logits, f32).reshape(-1)
    if temperature <= 0:
        return int(np.argmax(z))
    z = z / f32(temperature)
    keep = np.ones_like(z, dtype=bool)
    if top_k > 0:
        keep &= z >= np.sort(z)[::-1][min(top_k, z.size) - 1]
    p = np.exp(z - z.max()) * keep
    if top_p < 1.0:
        order = np.argsort(-z, kind="stable")
        csum = np.cumsum(p[order])
        cutoff = z[order[np.searchsorted(csum, top_p * csum[-1])]]
        keep &= z >= cutoff
        p = p * keep
    u = uniform01(seed, step) * p.sum()
    idx = int(np.searchsorted(np.cumsum(p), u, side="right"))
    return min(idx, z.size - 1)


class Interpreter:
    """Runs the unfused graph with numpy on dequantized weights, keeping its own KV cache of `slots` sequences.

    `run` takes a batch of rows (slot, pos, token) and the rows whose logits to return, like one runtime step;
    `step` and `greedy` drive one sequence at a time.
    """

    def __init__(self, model: ImportedModel, max_context: int | None = None, slots: int = 1):
        self.model = model
        self.cfg = model.config
        self.graph: Graph = build_graph(self.cfg, {n: t.fmt for n, t in model.tensors.items()})
        self.w = {n: dequantize(t) for n, t in model.tensors.items()}
        self.ctx = max_context or self.cfg.context_length
        self.state = {n: np.zeros((slots, self.ctx, v.shape[-1]), f32)
                      for n, v in self.graph.values.items() if v.kind == "state"}
        self.pos = [0] * slots

    def reset(self) -> None:
        for a in self.state.values():
            a[:] = 0
        self.pos = [0] * len(self.pos)

    def run(self, rows: list[tuple[int, int, int]], outputs: list[int]) -> np.ndarray:
        """Rows (slot, pos, token) through every layer; returns the logits of rows `outputs`, (len(outputs), V)."""
        if any(not 0 <= p < self.ctx for _, p, _ in rows):
            raise ValueError(f"context of {self.ctx} tokens exceeded")
        slots = [r[0] for r in rows]
        positions = [r[1] for r in rows]
        env: dict[str, np.ndarray] = {"tokens": np.asarray([r[2] for r in rows], np.uint32)} | self.state
        for op in self.graph.ops:
            if op.kind == "sample":
                continue
            ins = [env[i] if i in env else self.w[i] for i in op.inputs]
            a = op.attrs
            k = op.kind
            if k == "embedding":
                r = embedding(*ins)
            elif k == "add_position":
                r = add_position(*ins, positions)
            elif k == "rmsnorm":
                r = rmsnorm(*ins, a["eps"])
            elif k == "layernorm":
                r = layernorm(*ins, a["eps"])
            elif k == "matmul":
                r = matmul(*ins)
            elif k == "split":
                r = np.split(ins[0], np.cumsum(a["sizes"])[:-1], axis=1)
            elif k == "rope":
                r = rope(ins[0], positions, a["theta"], a["style"], a["head_dim"], a["heads"])
            elif k == "kv_write":
                kv_write(ins[0], ins[1], env[op.outputs[0]], env[op.outputs[1]], slots, positions)
                continue
            elif k == "attention":
                r = attention(ins[0], ins[1], ins[2], slots, positions, a["heads"], a["kv_heads"], a["head_dim"])
            elif k == "add":
                r = (ins[0] + ins[1]).astype(f32)
            elif k == "silu_mul":
                r = silu_mul(*ins)
            elif k == "gelu":
                r = gelu(*ins)
            elif k == "take_outputs":
                r = ins[0][np.asarray(outputs, dtype=np.int64)]
            else:
                raise NotImplementedError(f"no reference for op {k!r}")
            if isinstance(r, list):
                env.update(zip(op.outputs, r))
            else:
                env[op.outputs[0]] = r
        return env["logits"]

    def step(self, tokens: list[int], slot: int = 0) -> np.ndarray:
        """Feed tokens to `slot` at its current position; return the last token's logits (V,)."""
        pos0 = self.pos[slot]
        if pos0 + len(tokens) > self.ctx:
            raise ValueError(f"context of {self.ctx} tokens exceeded")
        rows = [(slot, pos0 + i, int(t)) for i, t in enumerate(tokens)]
        logits = self.run(rows, [len(rows) - 1])
        self.pos[slot] += len(tokens)
        return logits.reshape(-1)

    def greedy(self, prompt: list[int], n: int, eos: set[int] = frozenset(), slot: int = 0) -> list[int]:
        self.pos[slot] = 0
        logits = self.step(prompt, slot)
        out = []
        for _ in range(n):
            t = int(np.argmax(logits))
            out.append(t)
            if t in eos:
                break
            logits = self.step([t], slot)
        return out
