"""Numpy reference for encoders: the unfused encoder graph (compiler/encoder.py) interpreted op by op.

ImportedModel (arch "bert") -> build_encoder_graph -> **EncoderInterpreter** (plain float32 numpy, the op functions of
compiler/reference.py) -> embeddings. Tests compare the GPU's packed steps with it; `embed_ids` runs each sentence
alone, so a packing bug cannot hide in both.
"""
from __future__ import annotations

import numpy as np

from . import reference as R
from .encoder import build_encoder_graph
from .model import ImportedModel
from .quant import dequantize


class EncoderInterpreter:
    def __init__(self, model: ImportedModel):
        self.model = model
        self.cfg = model.config
        self.graph = build_encoder_graph(self.cfg)
        self.w = {n: dequantize(t) for n, t in model.tensors.items()}

    def run(self, rows: list[tuple[int, int, int]], outputs: list[int]) -> np.ndarray:
        """Rows (slot, pos, token) of one packed step; the embeddings of the sentences whose last rows are
        `outputs`, (len(outputs), D)."""
        slots = np.asarray([r[0] for r in rows])
        positions = [r[1] for r in rows]
        if any(not 0 <= p < self.cfg.context_length for p in positions):
            raise ValueError(f"positions must be below {self.cfg.context_length}")
        env: dict[str, np.ndarray] = {"tokens": np.asarray([r[2] for r in rows], np.uint32)}
        for op in self.graph.ops:
            ins = [env[i] if i in env else self.w[i] for i in op.inputs]
            a, k = op.attrs, op.kind
            if k == "embedding":
                r = R.embedding(*ins)
            elif k == "add_position":
                r = R.add_position(*ins, positions)
            elif k == "layernorm":
                r = R.layernorm(*ins, a["eps"])
            elif k == "matmul":
                r = R.matmul(*ins)
            elif k == "encoder_attention":
                r = R.encoder_attention(ins[0], slots, a["heads"], a["head_dim"])
            elif k == "add":
                r = (ins[0] + ins[1]).astype(np.float32)
            elif k == "gelu_erf":
                r = R.gelu_erf(ins[0])
            elif k == "gelu":
                r = R.gelu(ins[0])
            elif k == "pool":
                r = np.stack([R.pool(ins[0][slots == slots[o]], a["mode"]) for o in outputs]) if outputs \
                    else np.zeros((0, self.cfg.d_model), np.float32)
            elif k == "l2_normalize":
                r = R.l2_normalize(ins[0])
            else:
                raise NotImplementedError(f"no reference for encoder op {k!r}")
            env[op.outputs[0]] = r
        return env["embeddings"]

    def embed_ids(self, sentences: list[list[int]]) -> np.ndarray:
        """Embeddings of token-id lists ([CLS] ... [SEP], already cut to the context), each run on its own."""
        if not sentences:
            return np.zeros((0, self.cfg.d_model), np.float32)
        return np.concatenate([self.run([(0, p, t) for p, t in enumerate(s)], [len(s) - 1]) for s in sentences])
