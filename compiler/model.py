"""The internal model form every importer produces and every later stage reads.

model file (GGUF / HF dir) -> **ImportedModel(config, tensors, tokenizer)** -> IR graph -> passes -> kernels -> artifact.

Tensor names follow GGUF's llama/gpt2 naming (`token_embd.weight`, `blk.{i}.attn_q.weight`, ...), whatever the
source. Matrices are (rows=out_features, cols=in_features). Quantized tensors keep their GGUF block bytes until
`quant.repack` turns them into the u32 layout the kernels read; they are never expanded to f32 at import.
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict
from typing import Any

import numpy as np

# Weight formats the kernels can read. Block sizes in elements / bytes (GGUF's layout).
QUANT_BLOCK = {"q4_0": (32, 18), "q4_1": (32, 20), "q8_0": (32, 34)}
FORMATS = ("f32", "f16", *QUANT_BLOCK)


@dataclass
class Tensor:
    """One weight. `data` is float32/float16 values, or uint8 GGUF blocks of shape (rows, row_bytes)."""

    name: str
    fmt: str
    shape: tuple[int, ...]  # logical shape: (rows, cols) for matrices, (n,) for vectors
    data: np.ndarray

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise ValueError(f"tensor {self.name}: unsupported format {self.fmt!r}")

    @property
    def nbytes(self) -> int:
        return int(self.data.nbytes)


@dataclass
class ModelConfig:
    arch: str                 # "llama" | "gpt2" | "bert" (an encoder: compiler/bert.py, compiler/encoder.py)
    n_layers: int
    d_model: int
    n_heads: int
    n_kv_heads: int
    d_ff: int
    vocab_size: int
    context_length: int       # what the model was trained for; the artifact may compile less
    norm_eps: float
    rope_theta: float = 10000.0
    rope_style: str = "interleaved"   # "interleaved" (GGUF llama: pairs 2i,2i+1) | "half" (HF: i, i+d/2) | "none"
    tied_embeddings: bool = True
    name: str = ""
    # Encoders only (arch "bert"): the FFN activation, sentence-transformers' pooling and normalization, and the
    # longest input it embeds (sentence_bert_config.json's max_seq_length; longer texts are cut to it).
    hidden_act: str = ""      # "gelu_erf" (exact, BERT's "gelu") | "gelu" (tanh approximation)
    pooling: str = ""         # "mean" | "cls"
    normalize: bool = False   # L2-normalize the pooled vector
    max_seq_length: int = 0

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"head_dim": self.head_dim}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "ModelConfig":
        return cls(**{k: v for k, v in d.items() if k != "head_dim"})


@dataclass
class ImportedModel:
    config: ModelConfig
    tensors: dict[str, Tensor]
    tokenizer: Any                  # tokenizers.Tokenizer
    tokenizer_info: Any             # compiler.tokenizer.TokenizerInfo
    source: dict[str, Any] = field(default_factory=dict)  # file path, format, quant summary

    def tensor(self, name: str) -> Tensor:
        try:
            return self.tensors[name]
        except KeyError:
            src = self.source.get("path", "model")
            raise KeyError(f"{src}: tensor {name!r} is missing") from None
