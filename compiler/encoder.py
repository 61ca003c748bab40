"""Encoders (BERT family): the graph, its fusions and its lowering, into the same artifact format as decoders.

ImportedModel (arch "bert", compiler/bert.py) -> **encoder graph** -> passes.fuse (the decoder fusions, reused:
bias, GELU and residual epilogues, the position add) + the two below -> buffer plan -> kernels (compiler/kernels.py
matmul/norm/embedding as they are, compiler/encoder_kernels.py for attention and pooling) -> compiler/artifact.py.

Steps are PACKED, not padded: a step's rows are the tokens of several sentences back to back, each sentence a slot
of the existing per-row control data (ctl: slot, pos), positions from 0, and one output per sentence naming its
last row. Attention reads only the rows of the row's own sentence, and pooling averages them. Padding a batch to its
longest sentence would run every layer on pad rows (a batch of one 200-token text and 63 ten-token ones would do
~12800 rows of work for ~830 real ones) and needs a mask buffer besides; packed steps do only real rows, reuse the
decoder's control buffer, uniform and row-parallel kernels unchanged, and a sentence's arithmetic does not depend on
what else is in the step. The one rule: a sentence never spans two steps (its attention needs all its keys), so a
step holds at least max_seq_length rows.

Plan units: `embed` (tokens -> x), `layer.N` (x -> x), `pool` (x -> embeddings, one row per output). Post-norm
layers per BERT (x = LN(x + attn(x)); x = LN(x + ffn(x))): the residual adds are matmul epilogues writing x in place,
and the LayerNorms run in place on x, so the residual stream never leaves its one buffer. 7 dispatches per layer.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from . import kernels as K
from .codegen import _Lowering
from .encoder_kernels import encoder_attention_kernel, pool_kernel
from .errors import LimitError
from .ir import Graph, Op, _Builder
from .model import ImportedModel, ModelConfig
from .passes import FusedGraph, fuse, plan_buffers

ENCODER_STEP_TOKENS = 1024   # rows per step: several sentences packed; at least the longest sentence


# ---------------------------------------------------------------- graph


def build_encoder_graph(cfg: ModelConfig) -> Graph:
    """The unfused graph of one packed step of an encoder: token rows -> one embedding per output (sentence)."""
    if cfg.arch != "bert":
        raise ValueError(f"build_encoder_graph needs an encoder config, got arch {cfg.arch!r}")
    b = _Builder(cfg, {})
    D, F = cfg.d_model, cfg.d_ff
    tokens = b.value("tokens", ("T",), "u32", "io", exact=True)

    b.unit = "embed"
    x = b.op("embedding", [tokens, b.weight("token_embd.weight")], b.value("x"))
    # position_embd holds token_types[0] already (compiler/bert.py): single sentences have type 0 throughout.
    x = b.op("add_position", [x, b.weight("position_embd.weight")], b.value("x"))
    x = _layernorm(b, x, "token_embd_norm")

    for i in range(cfg.n_layers):
        b.unit = f"layer.{i}"
        p = f"blk.{i}."
        qkv = b.matmul(x, p + "attn_qkv.weight", 3 * D, p + "attn_qkv.bias", stem="qkv")
        a = b.op("encoder_attention", [qkv], b.value("attn"), {"heads": cfg.n_heads, "head_dim": cfg.head_dim})
        o = b.matmul(a, p + "attn_output.weight", D, p + "attn_output.bias", stem="o")
        x = b.op("add", [x, o], b.value("x"))
        x = _layernorm(b, x, p + "attn_output_norm")
        u = b.matmul(x, p + "ffn_up.weight", F, p + "ffn_up.bias", stem="up")
        g = b.op(cfg.hidden_act or "gelu_erf", [u], b.value("ffn"))
        d = b.matmul(g, p + "ffn_down.weight", D, p + "ffn_down.bias", stem="down")
        x = b.op("add", [x, d], b.value("x"))
        x = _layernorm(b, x, p + "layer_output_norm")

    b.unit = "pool"
    if cfg.normalize:
        e = b.op("pool", [x], b.value("pooled"), {"mode": cfg.pooling})
        b.op("l2_normalize", [e], b.value("embeddings", kind="io", exact=True))
    else:
        b.op("pool", [x], b.value("embeddings", kind="io", exact=True), {"mode": cfg.pooling})
    return Graph(cfg, b.values, b.ops)


def _layernorm(b: _Builder, x: str, w: str) -> str:
    return b.op("layernorm", [x, b.weight(w + ".weight"), b.weight(w + ".bias")], b.value("x"), {"eps": b.cfg.norm_eps})


# ---------------------------------------------------------------- passes


def fuse_encoder(graph: Graph) -> FusedGraph:
    """The decoder fusions (compiler/passes.py), then: post-norm LayerNorms in place, normalize into pool."""
    fg = fuse(graph)
    _norms_in_place(fg)
    _fuse_normalize(fg)
    return fg


def _norms_in_place(fg: FusedGraph) -> None:
    """layernorm(x) whose input nothing reads afterwards => written back into x's buffer (an alias, like the residual
    epilogue's). In a post-norm encoder every norm qualifies: the residual stream stays in one buffer."""
    g = fg.graph
    cons = g.consumers()
    for i, op in enumerate(g.ops):
        if op.kind != "layernorm" or op.attrs.get("gather"):
            continue
        x = op.inputs[0]
        if any(c > i for c in cons.get(x, [])) or g.values[x].kind != "activation":
            continue
        op.attrs["inplace"] = True
        fg.aliases[op.outputs[0]] = x


def _fuse_normalize(fg: FusedGraph) -> None:
    """pool -> l2_normalize  =>  pool with `normalize` (the vector is already in the workgroup that pooled it)."""
    g = fg.graph
    prod = g.producers()
    for i, op in enumerate(g.ops):
        if op.kind != "l2_normalize":
            continue
        p = g.ops[prod[op.inputs[0]]]
        if p.kind == "pool" and len(g.consumers()[op.inputs[0]]) == 1:
            p.outputs = list(op.outputs)
            p.attrs["normalize"] = True
            g.ops = [o for j, o in enumerate(g.ops) if j != i]
            return


# ---------------------------------------------------------------- lowering


class _EncoderLowering(_Lowering):
    """codegen's lowering plus the encoder's ops: matmuls, embedding and layernorm are the decoder's kernels."""

    def op_embedding(self, op: Op) -> list[dict]:
        out = super().op_embedding(op)
        for d in out:
            # Encoder rows always carry their token (src is NO_SRC), so the kernel never reads `sampled`: bind the
            # token buffer there. Two read-only bindings of one buffer are valid WebGPU (only a writable one may
            # not alias another binding).
            d["bind"]["sampled"] = d["bind"]["tokens"]
        return out

    def op_layernorm(self, op: Op) -> list[dict]:
        if not op.attrs.get("inplace"):
            return super().op_layernorm(op)
        k = K.norm_kernel("layernorm", self.model.config.d_model, eps=op.attrs["eps"], inplace=True)
        bind = {"x": self.buf(op.inputs[0]), "norm_w": self.vector(op.inputs[1]), "norm_b": self.vector(op.inputs[2])}
        return [{"kernel": self.kernel(k), "bind": bind}]

    def op_encoder_attention(self, op: Op) -> list[dict]:
        k = encoder_attention_kernel(op.attrs["heads"], op.attrs["head_dim"], max_rows=self.max_rows)
        bind = {"ctl": "ctl", "qkv": self.buf(op.inputs[0]), "out": self.buf(op.outputs[0])}
        return [{"kernel": self.kernel(k), "bind": bind}]

    def op_pool(self, op: Op) -> list[dict]:
        k = pool_kernel(op.attrs["mode"], self.model.config.d_model, normalize=bool(op.attrs.get("normalize")),
                        max_rows=self.max_rows)
        bind = {"ctl": "ctl", "x": self.buf(op.inputs[0]), "out": self.buf(op.outputs[0])}
        return [{"kernel": self.kernel(k), "bind": bind}]


# ---------------------------------------------------------------- compile


def encoder_context(model: ImportedModel, max_context: int | None) -> int:
    """Longest text (in tokens, [CLS] and [SEP] included) the artifact embeds: max_seq_length unless asked for less
    or more; never past the position table."""
    cfg = model.config
    if max_context is None:
        return cfg.max_seq_length or cfg.context_length
    if max_context < 2:
        raise LimitError(f"an encoder's context must hold at least [CLS] and [SEP] (2 tokens), got {max_context}")
    if max_context > cfg.context_length:
        raise LimitError(f"--context {max_context} is more than {cfg.name or 'the model'}'s {cfg.context_length} "
                         f"positions; pass --context {cfg.context_length} or less")
    return max_context


def compile_encoder(model: ImportedModel, out: Path, *, model_id: str, max_context: int | None = None,
                    max_tokens: int | None = None, limits: dict = K.DEFAULT_LIMITS,
                    progress: bool | None = None) -> dict:
    """Compile an encoder into the artifact directory `out` (format 2, units embed, layer.N, pool); the manifest."""
    from .build import check_sizes, debug_level
    from .artifact import write_artifact
    from .bert import expected_bert_shapes
    from .shapes import infer_shapes

    progress = sys.stderr.isatty() if progress is None else progress
    context = encoder_context(model, max_context)
    max_tokens = ENCODER_STEP_TOKENS if max_tokens is None else max_tokens
    if max_tokens < context:
        raise LimitError(f"an encoder step holds whole sentences: --step-tokens {max_tokens} is less than the "
                         f"context of {context} tokens")
    graph = infer_shapes(build_encoder_graph(model.config), expected_bert_shapes(model.config))
    if debug_level() >= 2:
        print("# IR (unfused)\n" + graph.dump(), file=sys.stderr)
    fg = fuse_encoder(graph)
    if debug_level() >= 2:
        print("# IR (fused)\n" + fg.graph.dump(), file=sys.stderr)
    bp = plan_buffers(fg, max_tokens)
    lowered = _EncoderLowering(model, fg, bp, limits, 32 << 20, context, max_tokens).lower(progress)
    check_sizes(lowered, bp, max_tokens, context, limits)
    if debug_level() >= 1:
        for name, k in lowered.kernels.items():
            for vn, v in k.variants.items():
                print(f"# kernel {name} [{vn}] workgroup={v.workgroup_size} dispatch={v.dispatch}\n{v.source}",
                      file=sys.stderr)
    return write_artifact(out, model, lowered, bp, model_id=model_id, max_context=context, max_tokens=max_tokens,
                          limits=limits, progress=progress)


def is_encoder(manifest: dict) -> bool:
    """Whether an artifact is an encoder (its plan ends with a pool unit) rather than a generating decoder."""
    return manifest["plan"]["units"][-1]["role"] == "pool"


def ensure_default_encoder(out: Path) -> Path:
    """Compile the bundled all-MiniLM-L6-v2 into `out` unless the artifact there is current (the same build keys as
    compiler.build.ensure_default_model, over the package's model.zip); says why when it rebuilds."""
    from .bert import MINILM_ID, minilm_zip
    from .build import build_key, compile_source, stale_reason, write_build_key
    from .errors import ModelFormatError

    out = Path(out)
    try:
        source = minilm_zip()
    except ModelFormatError:
        if stale_reason(out, None) is None:
            return out   # no model package to rebuild from: a readable artifact is better than none
        raise
    key = build_key(source)
    reason = stale_reason(out, key)
    if reason is None:
        return out
    verb = "compiling" if reason == "missing" else f"recompiling ({reason}):"
    print(f"{verb} the default encoder (all-MiniLM-L6-v2) into {out} ...", file=sys.stderr)
    t0 = time.perf_counter()
    compile_source(MINILM_ID, out, model_id=MINILM_ID)
    write_build_key(out, key)
    print(f"compiled in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return out
