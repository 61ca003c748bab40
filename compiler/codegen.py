"""Lowering: fused graph + buffer plan -> kernels, weight arrays and the per-unit dispatch plan.

fused graph (compiler.passes) -> **codegen** -> artifact writer (compiler.artifact).
Weights are repacked to kernel layout here: row-concatenated for fused matmuls, split by rows where one would
exceed the binding/shard size (each part gets its own dispatch), then row-interleaved (compiler/quant.py).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from . import kernels as K
from .errors import ModelFormatError
from .model import ImportedModel
from .passes import BufferPlan, FusedGraph
from .quant import ROW_GROUP, interleave, pad_rows, repack_rows


@dataclass
class Lowered:
    kernels: dict[str, K.Kernel] = field(default_factory=dict)
    weights: dict[str, np.ndarray] = field(default_factory=dict)      # name -> array in kernel layout
    weight_info: dict[str, dict] = field(default_factory=dict)        # name -> {format, shape, rows}
    units: list[dict] = field(default_factory=list)                   # [{"name", "dispatches": [...]}]


class _Lowering:
    def __init__(self, model: ImportedModel, fg: FusedGraph, bp: BufferPlan, limits: dict, part_bytes: int,
                 context: int, max_rows: int):
        self.model, self.fg, self.bp, self.limits = model, fg, bp, limits
        self.context, self.max_rows = context, max_rows
        self.part_bytes = min(part_bytes, limits["max_storage_buffer_binding_size"])
        self.out = Lowered()

    # -- weights
    def matrix_parts(self, name: str, pairs: tuple[np.ndarray, np.ndarray] | None = None) -> list[tuple[str, int, int, str, int]]:
        """Register a weight matrix; return its parts as (weight name, row0, rows, fmt, K), one dispatch each.

        A fused (row-concatenated) weight is one matrix when its sources share a format; otherwise each run of
        sources in one format is its own part, writing its row range of the shared output. A part holds at most
        `part_bytes`. With `pairs` (a paired act: the rows of pair i are pairs[0][i] and pairs[1][i]) the matrix is
        laid out as two halves, first rows then partners, each part holding the same pairs of both; row0 and rows
        then count pairs.
        """
        sources = self.fg.concat.get(name, [name])
        ts = [self.model.tensors[s] for s in sources]
        runs = [list(g) for _, g in itertools.groupby(ts, key=lambda t: t.fmt)]
        parts, row = [], 0
        for run in runs:
            arr = np.concatenate([repack_rows(t).reshape(t.shape[0], -1) for t in run], axis=0)
            label = name if len(runs) == 1 else self.fg.concat_name([t.name for t in run])
            halves, first = [arr], row
            if pairs is not None:
                mine = (pairs[0] >= row) & (pairs[0] < row + arr.shape[0])
                idx = np.flatnonzero(mine)
                b = pairs[1][idx] - row
                if idx.size == 0 or np.any((b < 0) | (b >= arr.shape[0])) or np.any(np.diff(idx) != 1):
                    raise ModelFormatError(f"{', '.join(sources)}: the rows of a pair are in different formats "
                                           f"({', '.join(t.fmt for t in ts)}), which one kernel cannot read")
                halves, first = [arr[pairs[0][idx] - row], arr[b]], int(idx[0])
            parts += self._parts(label, halves, run[0].fmt, run[0].shape[-1], first)
            row += arr.shape[0]
        return parts

    def _parts(self, name: str, halves: list[np.ndarray], fmt: str, k: int, row_offset: int) -> list:
        paired = len(halves) == 2
        rows = halves[0].shape[0]
        per_row = halves[0].shape[1] * 4 * len(halves)
        # Parts start on row-group boundaries so each part is a whole interleaved block.
        max_rows = max(ROW_GROUP, self.part_bytes // per_row // ROW_GROUP * ROW_GROUP)
        parts = []
        for p, r0 in enumerate(range(0, rows, max_rows)):
            r1 = min(rows, r0 + max_rows)
            pname = name if r0 == 0 and r1 == rows else f"{name}#{p}"
            if pname not in self.out.weights:
                self.out.weights[pname] = interleave(np.concatenate([pad_rows(h[r0:r1], paired) for h in halves]))
                self.out.weight_info[pname] = {"format": fmt, "shape": [(r1 - r0) * len(halves), k],
                                               "row0": row_offset + r0,
                                               "layout": f"rows{ROW_GROUP}" + ("-paired" if paired else "")}
            parts.append((pname, row_offset + r0, (r1 - r0) * len(halves), fmt, k))
        return parts

    def vector(self, name: str) -> str:
        if name not in self.out.weights:
            t = self.model.tensors[name]
            self.out.weights[name] = np.asarray(t.data, dtype=np.float32).reshape(-1)
            self.out.weight_info[name] = {"format": "f32", "shape": list(t.shape), "row0": 0}
        return name

    def dense(self, name: str) -> str:
        """An f32 matrix read by index (position embeddings)."""
        if name not in self.out.weights:
            from .quant import dequantize

            t = self.model.tensors[name]
            self.out.weights[name] = dequantize(t).reshape(-1)
            self.out.weight_info[name] = {"format": "f32", "shape": list(t.shape), "row0": 0}
        return name

    # -- kernels and dispatches
    def kernel(self, k: K.Kernel) -> str:
        K.check_limits(k, self.limits)
        self.out.kernels.setdefault(k.name, k)
        return k.name

    def buf(self, value: str) -> str:
        return self.bp.of_value[value]

    def lower(self, progress: bool = False) -> Lowered:
        from tqdm import tqdm

        units: dict[str, list] = {}
        for op in tqdm(self.fg.graph.ops, desc="lowering", unit="op", disable=not progress, leave=False):
            units.setdefault(op.unit, []).extend(getattr(self, f"op_{op.kind}")(op))
        self.out.units = [{"name": u, "dispatches": d} for u, d in units.items()]
        return self.out

    def op_embedding(self, op) -> list[dict]:
        D = self.model.config.d_model
        position = bool(op.attrs.get("position"))
        out = []
        for pname, r0, rows, fmt, _ in self.matrix_parts(op.inputs[1]):
            k = K.embedding_kernel(fmt, D, row0=r0, rows=rows, position=position, max_rows=self.max_rows)
            bind = {"ctl": "ctl", "tokens": self.buf(op.inputs[0]), "sampled": "sampled", "w": pname,
                    "x": self.buf(op.outputs[0])}
            if position:
                bind["pos_w"] = self.dense(op.inputs[2])
            out.append({"kernel": self.kernel(k), "bind": bind})
        return out

    def op_matmul(self, op) -> list[dict]:
        a = op.attrs
        ins = list(op.inputs)
        x, w = ins[0], ins[1]
        rest = ins[2:]
        bias = rest.pop(0) if a.get("bias") else None
        norm_w = norm_b = None
        if a.get("prologue"):
            norm_w = rest.pop(0)
            if a["prologue"] == "layernorm":
                norm_b = rest.pop(0)
        act = a.get("act")
        n_out = a["n"]
        kv = pairs = None
        if act == "silu_mul":   # gate row n pairs with up row n
            pairs = (np.arange(n_out), np.arange(n_out, 2 * n_out))
        elif act == "rope_kv":
            q_dim, kv_dim, _ = a["sizes"]
            kv = K.KVWrite.of(q_dim, kv_dim, self.model.config.head_dim, a["rope"], context=self.context,
                              max_rows=self.max_rows)
            pairs = kv.columns()
        parts = part = None
        if a.get("merge"):   # x is a split attention's output, merged here (passes._fuse_attention_merge)
            heads, head_dim = a["merge"]["heads"], a["merge"]["head_dim"]
            splits = self.attention_splits(heads, head_dim)
            parts = K.AttentionParts(heads, head_dim, self.max_rows, tuple(sorted(splits.items())))
            part = self.attention_part(heads, head_dim, splits)
        out = []
        for pname, r0, rows, fmt, k in self.matrix_parts(w, pairs):
            kern = K.matmul_kernel(fmt, k, rows, row0=r0, out_n=n_out, prologue=a.get("prologue"),
                                   eps=a.get("eps", 1e-5), bias=bias is not None, act=act,
                                   residual=bool(a.get("residual")), rows=self.fg.graph.values[x].shape[0], kv=kv,
                                   parts=parts, max_rows=self.max_rows)
            if kv:
                q, kc, vc = (self.buf(v) for v in op.outputs)
                bind = {"ctl": "ctl", "x": self.buf(x), "w": pname, "q": q, "k_cache": kc, "v_cache": vc}
            else:
                bind = {"x": self.buf(x), "w": pname, "out": self.buf(op.outputs[0])}
            if parts:
                bind |= {"ctl": "ctl", "part": part}
            if bias:
                bind["bias"] = self.vector(bias)
            if norm_w:
                bind["norm_w"] = self.vector(norm_w)
            if norm_b:
                bind["norm_b"] = self.vector(norm_b)
            out.append({"kernel": self.kernel(kern), "bind": bind})
        return out

    def op_rmsnorm(self, op) -> list[dict]:
        return self._norm(op)

    def op_layernorm(self, op) -> list[dict]:
        return self._norm(op)

    def _norm(self, op) -> list[dict]:
        gather = bool(op.attrs.get("gather"))
        k = K.norm_kernel(op.kind, self.model.config.d_model, eps=op.attrs["eps"], gather=gather,
                          max_rows=self.max_rows)
        bind = {"x": self.buf(op.inputs[0]), "norm_w": self.vector(op.inputs[1]), "out": self.buf(op.outputs[0])}
        if gather:
            bind["ctl"] = "ctl"
        if op.kind == "layernorm":
            bind["norm_b"] = self.vector(op.inputs[2])
        return [{"kernel": self.kernel(k), "bind": bind}]

    def op_rope_kv(self, op) -> list[dict]:
        cfg = self.model.config
        q_dim, kv_dim, _ = op.attrs["sizes"]
        k = K.rope_kv_kernel(q_dim, kv_dim, cfg.head_dim, op.attrs["rope"], context=self.context,
                             max_rows=self.max_rows)
        q, kc, vc = op.outputs
        bind = {"ctl": "ctl", "qkv": self.buf(op.inputs[0]), "q": self.buf(q), "k_cache": self.buf(kc),
                "v_cache": self.buf(vc)}
        return [{"kernel": self.kernel(k), "bind": bind}]

    def attention_splits(self, heads: int, head_dim: int) -> dict[str, int]:
        return K.attention_splits(heads, head_dim, context=self.context, max_rows=self.max_rows,
                                  binding_limit=self.limits["max_storage_buffer_binding_size"])

    def attention_part(self, heads: int, head_dim: int, splits: dict[str, int]) -> str:
        """The scratch buffer of the attention spans' partial states (one for every layer: used within one)."""
        return self.bp.add_scratch("attn.part", (K.attention_part_rows(self.max_rows),
                                                 K.attention_part_width(heads, head_dim, splits)))

    def op_attention(self, op) -> list[dict]:
        a = op.attrs
        splits = self.attention_splits(a["heads"], a["head_dim"])
        k = K.attention_kernel(a["heads"], a["kv_heads"], a["head_dim"], context=self.context, max_rows=self.max_rows,
                               splits=splits)
        part = self.attention_part(a["heads"], a["head_dim"], splits)
        q, kc, vc = op.inputs
        out = self.buf(op.outputs[0])
        bind = {"ctl": "ctl", "q": self.buf(q), "k_cache": self.buf(kc), "v_cache": self.buf(vc), "out": out,
                "part": part}
        tiled = K.attention_tiled_kernel(a["heads"], a["kv_heads"], a["head_dim"], context=self.context,
                                         max_rows=self.max_rows)
        dispatches = [{"kernel": self.kernel(k), "bind": bind}]
        if not a.get("merged_by_consumer"):
            merge = K.attention_merge_kernel(a["heads"], a["head_dim"], max_rows=self.max_rows, splits=splits)
            dispatches.append({"kernel": self.kernel(merge), "bind": {"ctl": "ctl", "part": part, "out": out}})
        return dispatches + [{"kernel": self.kernel(tiled), "bind": {"ctl": "ctl", "q": self.buf(q),
                                                                      "k_cache": self.buf(kc), "v_cache": self.buf(vc),
                                                                      "out": out}}]

    def op_sample(self, op) -> list[dict]:
        k = K.sample_kernel(op.attrs["vocab"], max_rows=self.max_rows)
        bind = {"ctl": "ctl", "logits": self.buf(op.inputs[0]), "sampled": self.buf(op.outputs[0])}
        return [{"kernel": self.kernel(k), "bind": bind}]

    def __getattr__(self, name):
        if name.startswith("op_"):
            raise ValueError(f"no kernel for op {name[3:]!r}: a fusion pass should have removed it")
        raise AttributeError(name)


def lower(model: ImportedModel, fg: FusedGraph, bp: BufferPlan, *, context: int, max_rows: int,
          limits: dict = K.DEFAULT_LIMITS, part_bytes: int = 32 << 20, progress: bool = False) -> Lowered:
    return _Lowering(model, fg, bp, limits, part_bytes, context, max_rows).lower(progress)
