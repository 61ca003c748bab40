"""Shape inference: the first pass over the IR graph (compiler.ir), before fusion (compiler.passes).

The graph builder names values but does not size them; this pass derives every activation's shape from the
weights' shapes and the op attributes, and rejects a model whose tensors do not fit together, naming the op and
the tensor. "T" stands for the rows of one step, "O" for its output rows, "S" for the sequence slots and "C" for the context
(KV cache rows per slot).
"""
from __future__ import annotations

from .errors import ModelFormatError
from .ir import Graph, Op


class ShapeError(ModelFormatError):
    """Tensors that do not fit together (a corrupt or mislabelled model)."""


def _need(cond: bool, op: Op, msg: str) -> None:
    if not cond:
        raise ShapeError(f"[{op.unit}] {op.kind}: {msg}")


def _rule(op: Op, s: list[tuple], names: list[str]) -> list[tuple]:
    """Output shapes of `op` from its input shapes `s` (inputs named `names`, for messages)."""
    a, k = op.attrs, op.kind
    if k == "embedding":
        _need(len(s[1]) == 2, op, f"table {names[1]} must be a matrix, got {s[1]}")
        return [(s[0][0], s[1][1])]
    if k in ("add_position", "rmsnorm", "layernorm"):
        width = s[1][-1]
        _need(width == s[0][-1], op, f"{names[1]} has width {width}, input {names[0]} has {s[0][-1]}")
        for extra, name in zip(s[2:], names[2:]):
            _need(extra == s[1], op, f"{name} has shape {extra}, expected {s[1]}")
        return [s[0]]
    if k == "matmul":
        rows, cols = s[1]
        _need(cols == s[0][-1], op, f"weight {names[1]} has {cols} columns, input {names[0]} has width {s[0][-1]}")
        _need(rows == a["n"], op, f"weight {names[1]} has {rows} rows, expected {a['n']}")
        if a.get("bias"):
            _need(s[2] == (rows,), op, f"bias {names[2]} has shape {s[2]}, expected ({rows},)")
        return [(s[0][0], rows)]
    if k == "split":
        _need(sum(a["sizes"]) == s[0][1], op, f"sizes {a['sizes']} do not add up to {names[0]}'s width {s[0][1]}")
        return [(s[0][0], n) for n in a["sizes"]]
    if k == "rope":
        _need(s[0][1] == a["heads"] * a["head_dim"], op, f"{names[0]} width {s[0][1]} != {a['heads']} heads x {a['head_dim']}")
        return [s[0]]
    if k == "kv_write":
        _need(s[0] == s[1], op, f"k {s[0]} and v {s[1]} differ")
        return []  # writes the caches, whose shapes are declared
    if k == "attention":
        _need(s[0][1] == a["heads"] * a["head_dim"], op, f"q width {s[0][1]} != {a['heads']} heads x {a['head_dim']}")
        _need(s[1][-1] == a["kv_heads"] * a["head_dim"], op, f"cache width {s[1][-1]} != {a['kv_heads']} kv heads x {a['head_dim']}")
        return [s[0]]
    if k in ("add", "silu_mul"):
        _need(s[0] == s[1], op, f"{names[0]} {s[0]} and {names[1]} {s[1]} differ")
        return [s[0]]
    if k == "gelu":
        return [s[0]]
    if k == "gelu_erf" or k == "l2_normalize":
        return [s[0]]
    if k == "encoder_attention":   # reads q, k, v from the rows of one QKV matmul
        _need(s[0][1] == 3 * a["heads"] * a["head_dim"], op,
              f"{names[0]} width {s[0][1]} != 3 x {a['heads']} heads x {a['head_dim']}")
        return [(s[0][0], a["heads"] * a["head_dim"])]
    if k == "pool":                # one row per sentence (output) of the step
        return [("O", s[0][1])]
    if k == "take_outputs":
        return [("O", s[0][1])]
    if k == "sample":
        return [(s[0][0],)]
    raise ShapeError(f"no shape rule for op {k!r}")


def infer_shapes(graph: Graph, weight_shapes: dict[str, tuple]) -> Graph:
    """Fill in every value's shape (in place) and return the graph."""
    for name, v in graph.values.items():
        if v.kind == "weight":
            if name not in weight_shapes:
                raise ShapeError(f"weight {name!r} is read by the graph but the model has no such tensor")
            v.shape = tuple(weight_shapes[name])
    for op in graph.ops:
        shapes = [graph.values[i].shape for i in op.inputs]
        missing = [i for i, sh in zip(op.inputs, shapes) if sh is None]
        if missing:
            raise ShapeError(f"[{op.unit}] {op.kind}: {missing[0]} is read before anything produces it")
        outs = _rule(op, shapes, op.inputs)
        for name, shape in zip(op.outputs, outs):
            graph.values[name].shape = tuple(shape)
    return graph
