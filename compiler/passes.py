"""Graph passes: fusion, then buffer planning by liveness.

IR graph (compiler.ir) -> **fused graph + buffer plan** -> kernels (compiler.kernels).

Fusions (each one removes a dispatch and a round trip through memory):
  * parallel matmuls on one input (Q/K/V, gate/up) become one matmul over row-concatenated weights;
  * split -> rope -> kv_write after the QKV matmul becomes one `rope_kv` op, then (without a bias, residual or
    layernorm) the QKV matmul's epilogue;
  * gate/up + silu_mul becomes a matmul with a silu_mul epilogue; a following gelu becomes a gelu epilogue;
  * a norm feeding matmuls becomes each matmul's prologue; take_outputs folds into the final norm (`gather`);
  * `add(x, matmul(..))` becomes a residual epilogue writing x in place;
  * the merge of split attention's spans moves into the matmul that reads its output (the output projection);
  * embedding + add_position become one embedding op.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from .ir import Graph, Op, Value

MATMUL_EPILOGUE_KEYS = ("act", "residual", "prologue")


@dataclass
class FusedGraph:
    graph: Graph
    concat: dict[str, list[str]] = field(default_factory=dict)   # new weight -> source weights (rows stacked)
    aliases: dict[str, str] = field(default_factory=dict)       # value -> value whose buffer it reuses in place

    @staticmethod
    def concat_name(weights: list[str]) -> str:
        """blk.0.attn_q.weight, blk.0.attn_k.weight -> blk.0.attn_q+attn_k.weight (one name: itself)"""
        return weights[0] if len(weights) == 1 else _concat_name(weights)


def _single_consumer(g: Graph, v: str) -> int | None:
    c = g.consumers().get(v, [])
    return c[0] if len(c) == 1 else None


def fuse(graph: Graph) -> FusedGraph:
    g = Graph(graph.config, dict(graph.values), copy.deepcopy(graph.ops))
    fg = FusedGraph(g)
    _fuse_parallel_matmuls(fg)
    _fuse_rope_kv(fg)
    _fuse_silu_mul(fg)
    _fuse_take_outputs(fg)
    _fuse_norms(fg)
    _fuse_gelu(fg)
    _fuse_residual(fg)
    _fuse_kv_write(fg)
    _fuse_attention_merge(fg)
    _fuse_position(fg)
    return fg


def _replace(g: Graph, remove: list[int], new: Op | None, at: int) -> None:
    """Drop ops `remove`, inserting `new` at index `at` (an index of the original list)."""
    ops = []
    for i, op in enumerate(g.ops):
        if i == at and new is not None:
            ops.append(new)
        if i not in remove:
            ops.append(op)
    g.ops = ops


def _fuse_parallel_matmuls(fg: FusedGraph) -> None:
    """Matmuls in one unit reading the same input -> one matmul (over row-concatenated weights) + split."""
    g = fg.graph
    changed = True
    while changed:
        changed = False
        groups: dict[tuple, list[int]] = {}
        for i, op in enumerate(g.ops):
            if op.kind == "matmul" and not op.attrs.get("bias") and "concat" not in op.attrs:
                # Formats may differ: codegen then runs one dispatch per source into the shared output rows.
                key = (op.unit, op.inputs[0])
                groups.setdefault(key, []).append(i)
        for key, idx in groups.items():
            if len(idx) < 2:
                continue
            ops = [g.ops[i] for i in idx]
            weights = [op.inputs[1] for op in ops]
            cname = _concat_name(weights)
            fg.concat[cname] = weights
            sizes = [op.attrs["n"] for op in ops]
            first = g.values[weights[0]]
            g.values[cname] = Value(cname, (sum(sizes), first.shape[1]) if first.shape else None, first.dtype, "weight")
            out = "cat." + ".".join(op.outputs[0] for op in ops)
            rows = g.values[ops[0].outputs[0]].shape
            g.values[out] = Value(out, (rows[0], sum(sizes)) if rows else None)
            mm = Op("matmul", [key[1], cname], [out], {"n": sum(sizes), "bias": False, "concat": len(ops)}, key[0])
            split = Op("split", [out], [op.outputs[0] for op in ops], {"sizes": sizes}, key[0])
            new_ops = []
            for i, op in enumerate(g.ops):
                if i == idx[0]:
                    new_ops += [mm, split]
                elif i not in idx:
                    new_ops.append(op)
            g.ops = new_ops
            changed = True
            break


def _concat_name(weights: list[str]) -> str:
    """blk.0.attn_q.weight, blk.0.attn_k.weight -> blk.0.attn_q+attn_k.weight"""
    stems = [w.removesuffix(".weight") for w in weights]
    prefix = stems[0].rsplit(".", 1)[0] + "." if "." in stems[0] else ""
    if all(s.startswith(prefix) for s in stems):
        return prefix + "+".join(s[len(prefix):] for s in stems) + ".weight"
    return "+".join(weights)


def _fuse_rope_kv(fg: FusedGraph) -> None:
    """split(qkv) -> [rope q, rope k] -> kv_write(k, v)  =>  rope_kv(qkv) -> q (+ cache writes)."""
    g = fg.graph
    for si in [i for i, op in enumerate(g.ops) if op.kind == "split" and len(op.outputs) == 3]:
        prod, cons = g.producers(), g.consumers()
        split = g.ops[si]
        q, k, v = split.outputs
        kw = [i for i in cons.get(v, []) if g.ops[i].kind == "kv_write"]
        if len(kw) != 1:
            continue
        kwop = g.ops[kw[0]]
        remove = [si, kw[0]]
        rope_attrs = None
        q_out = q
        if g.ops[kw[0]].inputs[0] != k:  # k went through rope
            rk = prod[kwop.inputs[0]]
            rq = [i for i in cons.get(q, []) if g.ops[i].kind == "rope"]
            if g.ops[rk].kind != "rope" or len(rq) != 1:
                continue
            rope_attrs = {kk: vv for kk, vv in g.ops[rk].attrs.items() if kk != "heads"}
            q_out = g.ops[rq[0]].outputs[0]
            remove += [rk, rq[0]]
        else:
            # no rope: q is used as is; give the copy its own name so the split's input can die
            q_out = q
        attrs = {"sizes": split.attrs["sizes"], "rope": rope_attrs, "layer": kwop.attrs["layer"]}
        new = Op("rope_kv", [split.inputs[0]], [q_out, *kwop.outputs], attrs, split.unit)
        _replace(g, remove, new, si)
        return _fuse_rope_kv(fg)  # indices moved; look again


def _fuse_silu_mul(fg: FusedGraph) -> None:
    """matmul(gate|up) -> split -> silu_mul  =>  matmul with act=silu_mul (output is d_ff wide)."""
    g = fg.graph
    for i, op in enumerate(g.ops):
        if op.kind != "silu_mul":
            continue
        prod = g.producers()
        sp = prod[op.inputs[0]]
        split = g.ops[sp]
        if split.kind != "split" or split.outputs != op.inputs:
            continue
        mm = g.ops[prod[split.inputs[0]]]
        mm.outputs = list(op.outputs)
        mm.attrs |= {"act": "silu_mul", "n": split.attrs["sizes"][0]}
        _replace(g, [sp, i], None, -1)
        return _fuse_silu_mul(fg)


def _fuse_take_outputs(fg: FusedGraph) -> None:
    """take_outputs(x) -> norm  =>  norm with `gather`: it reads the output rows of x (named in ctl) itself."""
    g = fg.graph
    for i, op in enumerate(g.ops):
        if op.kind != "take_outputs":
            continue
        for c in g.consumers()[op.outputs[0]]:
            if g.ops[c].kind not in ("rmsnorm", "layernorm"):
                raise ValueError(f"take_outputs feeds {g.ops[c].kind}, which cannot gather rows")
            g.ops[c].inputs[0] = op.inputs[0]
            g.ops[c].attrs["gather"] = True
        _replace(g, [i], None, -1)
        return _fuse_take_outputs(fg)


def _fuse_norms(fg: FusedGraph) -> None:
    """A norm read only by matmuls becomes their prologue.

    Not the final norm of the output rows (`gather`), which feeds the LM head: there the head's hundreds of workgroups
    would each repeat the statistics and scale every input by the norm weight for a 49152-row matmul, while a
    one-row norm kernel costs one tiny dispatch (on lavapipe the fused head took 29 ms per token, unfused 15 ms).
    """
    g = fg.graph
    for i, op in enumerate(g.ops):
        if op.kind not in ("rmsnorm", "layernorm") or op.attrs.get("gather"):
            continue
        cons = g.consumers().get(op.outputs[0], [])
        if not cons or any(g.ops[c].kind != "matmul" for c in cons):
            continue
        for c in cons:
            mm = g.ops[c]
            mm.inputs = [op.inputs[0]] + mm.inputs[1:] + op.inputs[1:]
            mm.attrs["prologue"] = op.kind
            mm.attrs["eps"] = op.attrs["eps"]
        _replace(g, [i], None, -1)
        return _fuse_norms(fg)


def _fuse_gelu(fg: FusedGraph) -> None:
    g = fg.graph
    for i, op in enumerate(g.ops):
        if op.kind not in ("gelu", "gelu_erf"):   # tanh (GPT-2) or exact (BERT) GELU: the epilogue of that name
            continue
        p = g.producers()[op.inputs[0]]
        mm = g.ops[p]
        if mm.kind == "matmul" and _single_consumer(g, op.inputs[0]) == i and "act" not in mm.attrs:
            mm.outputs = list(op.outputs)
            mm.attrs["act"] = op.kind
            _replace(g, [i], None, -1)
            return _fuse_gelu(fg)


def _fuse_residual(fg: FusedGraph) -> None:
    """add(x, matmul(..)) => matmul epilogue accumulating into x's buffer (x must be dead afterwards)."""
    g = fg.graph
    for i, op in enumerate(g.ops):
        if op.kind != "add":
            continue
        prod, cons = g.producers(), g.consumers()
        x, y = op.inputs
        p = prod.get(y)
        if p is None or g.ops[p].kind != "matmul" or len(cons[y]) != 1 or "residual" in g.ops[p].attrs:
            continue
        if any(c > i for c in cons.get(x, [])):  # x read after the add: cannot overwrite it
            continue
        mm = g.ops[p]
        mm.inputs = mm.inputs + [x]
        mm.outputs = list(op.outputs)
        mm.attrs["residual"] = True
        fg.aliases[op.outputs[0]] = x
        _replace(g, [i], None, -1)
        return _fuse_residual(fg)


def _fuse_kv_write(fg: FusedGraph) -> None:
    """matmul(qkv) -> rope_kv  =>  the matmul with a rope_kv epilogue: each invocation holds both elements of a
    pair, rotates them in registers and writes q and the caches itself. One dispatch a layer fewer, and no qkv round
    trip through memory. Not for a matmul with a bias, residual or layernorm (the pairs' epilogue has none of
    them: GPT-2's qkv keeps rope_kv). It binds at most 7 storage buffers (ctl, x, w, norm_w, q and the caches)."""
    g = fg.graph
    for i, op in enumerate(g.ops):
        if op.kind != "rope_kv":
            continue
        p = g.producers().get(op.inputs[0])
        mm = g.ops[p] if p is not None else None
        if (mm is None or mm.kind != "matmul" or _single_consumer(g, op.inputs[0]) != i
                or any(mm.attrs.get(k) for k in ("act", "residual", "bias"))
                or mm.attrs.get("prologue") not in (None, "rmsnorm")):
            continue
        mm.outputs = list(op.outputs)
        mm.attrs |= {"act": "rope_kv", "sizes": op.attrs["sizes"], "rope": op.attrs["rope"], "layer": op.attrs["layer"]}
        _replace(g, [i], None, -1)
        return _fuse_kv_write(fg)


def _fuse_attention_merge(fg: FusedGraph) -> None:
    """attention -> matmul(its output)  =>  the matmul merges the attention's spans as it stages x, and attention
    lowers without its attention_merge dispatch. Not for a matmul with a prologue, nor where the kernels cannot
    (kernels.can_merge_attention: x rows that would not fit the matmul's workgroup memory, or no tiled program)."""
    from .kernels import can_merge_attention

    g = fg.graph
    for i, op in enumerate(g.ops):
        if op.kind != "attention":
            continue
        c = _single_consumer(g, op.outputs[0])
        mm = g.ops[c] if c is not None else None
        if (mm is None or mm.kind != "matmul" or mm.inputs[0] != op.outputs[0] or mm.attrs.get("prologue")
                or not can_merge_attention(op.attrs["heads"], op.attrs["head_dim"])):
            continue
        op.attrs["merged_by_consumer"] = True
        mm.attrs["merge"] = {k: op.attrs[k] for k in ("heads", "head_dim")}


def _fuse_position(fg: FusedGraph) -> None:
    g = fg.graph
    for i, op in enumerate(g.ops):
        if op.kind == "add_position":
            e = g.ops[g.producers()[op.inputs[0]]]
            e.inputs.append(op.inputs[1])
            e.outputs = list(op.outputs)
            e.attrs["position"] = True
            _replace(g, [i], None, -1)
            return


# ------------------------------------------------------------------ buffer planning


@dataclass
class BufferPlan:
    """Buffers by name with symbolic shapes (resolved per load: "T" rows, "O" outputs, "S" slots, "C" context).

    kinds: "activation" (scratch inside a unit, shared by values whose lifetimes do not overlap), "io" (what crosses
    unit boundaries and what the host reads and writes: tokens, x, logits, sampled), "state" (KV caches, per slot),
    "control" (the per-step ctl buffer).
    """
    shapes: dict[str, tuple]         # buffer name -> shape, e.g. ("T", 576), ("S", "C", 192), (768,)
    dtypes: dict[str, str]           # buffer name -> "f32" | "u32"
    of_value: dict[str, str]         # value name -> buffer name
    kinds: dict[str, str]            # buffer name -> activation | io | state | control

    def bytes(self, name: str, sizes: dict[str, int]) -> int:
        return shape_bytes(self.shapes[name], sizes)

    def add_scratch(self, name: str, shape: tuple, dtype: str = "f32") -> str:
        """A kernel's private scratch buffer (not a graph value: e.g. attention's partial states between its two
        dispatches), shared by every dispatch that names it; returns its name."""
        if name in self.shapes and tuple(self.shapes[name]) != tuple(shape):
            raise ValueError(f"scratch buffer {name} declared with shapes {self.shapes[name]} and {shape}")
        self.shapes[name], self.dtypes[name], self.kinds[name] = tuple(shape), dtype, "activation"
        return name


def shape_bytes(shape, sizes: dict[str, int]) -> int:
    """Bytes of a buffer of 4-byte elements (f32 and u32 alike) with symbols resolved by `sizes`."""
    n = 1
    for d in shape:
        n *= sizes[d] if isinstance(d, str) else int(d)
    return 4 * n


def _merge_shapes(a: tuple | None, b: tuple) -> tuple:
    """A scratch buffer shared by (rows, width) values: as many rows as the most ("T" >= "O"), the widest width."""
    if a is None:
        return tuple(b)
    if len(a) != 2 or len(b) != 2:
        raise ValueError(f"cannot share one scratch buffer between shapes {a} and {b}")
    rows = "T" if "T" in (a[0], b[0]) else a[0]
    return (rows, max(int(a[1]), int(b[1])))


# Values runtimes address by name: the boundary between units, and what the host writes and reads.
BOUNDARY = {"tokens": "tokens", "logits": "logits", "sampled": "sampled", "embeddings": "embeddings"}


def plan_buffers(fg: FusedGraph, max_tokens: int) -> BufferPlan:
    """Give every non-weight value a buffer; scratch values whose lifetimes do not overlap share one (linear scan).

    The per-step control buffer `ctl` (kernels.CTL_ROW / CTL_OUT entries for max_tokens rows) is added here too.
    """
    from .kernels import ctl_words

    g = fg.graph
    root = {}
    for v in g.values:
        r = v
        while r in fg.aliases:
            r = fg.aliases[r]
        root[v] = r
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for i, op in enumerate(g.ops):
        for v in op.inputs + op.outputs:
            if g.values[v].kind == "weight":
                continue
            r = root[v]
            first.setdefault(r, i)
            last[r] = i
    shapes: dict[str, tuple] = {"ctl": (ctl_words(max_tokens),)}
    dtypes: dict[str, str] = {"ctl": "u32"}
    kinds: dict[str, str] = {"ctl": "control"}
    of_value: dict[str, str] = {}
    free: list[str] = []
    active: list[tuple[int, str]] = []  # (last use, buffer)
    n_act = 0
    embed = next((op for op in g.ops if op.kind == "embedding"), None)
    x_root = root[embed.outputs[0]] if embed else None  # the residual stream: one buffer through every layer
    for r in sorted(first, key=lambda r: first[r]):
        val = g.values[r]
        if val.kind == "state" or r in BOUNDARY or r == x_root:
            name = BOUNDARY.get(r, "x" if r == x_root else r)
            kinds[name] = "state" if val.kind == "state" else "io"
            shapes[name] = tuple(val.shape)
        else:
            for end, b in list(active):
                if end < first[r]:
                    active.remove((end, b))
                    free.append(b)
            name = free.pop(0) if free else None
            if name is None:
                name = f"act.{n_act}"
                n_act += 1
            active.append((last[r], name))
            kinds[name] = "activation"
            shapes[name] = _merge_shapes(shapes.get(name), val.shape)
        dtypes[name] = val.dtype
        of_value[r] = name
    for v, r in root.items():
        if r in of_value:
            of_value[v] = of_value[r]
    return BufferPlan(shapes, dtypes, of_value, kinds)
