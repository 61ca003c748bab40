"""Weight formats: GGUF blocks -> the u32 layout WGSL reads, and numpy dequantization for the reference.

WGSL has no 8- or 16-bit integers, so every format is stored as u32 words. `row_words` gives each row of a matrix
as a self-contained run of words (so fusing Q/K/V concatenates rows and binding limits split rows); `interleave`
then stores groups of ROW_GROUP rows word by word:

    address(row, word) = (row / 8) * (8 * RW) + word * 8 + row % 8

Eight neighbouring rows' word w are adjacent, so CPU adapters (one row per SIMD lane) load them with one vector
load instead of a gather, and GPU threads that split a row group by words read contiguous memory.

Row layout in u32 words (nb = K / 32 blocks per row):
  f32   K words (bit-cast floats; stored as float32)
  f16   ceil(K/2) words, two halves per word (unpack2x16float, core WGSL: no shader-f16 needed)
  q8_0  nb*8 words of int8 quants (4 per word, little-endian) | ceil(nb/2) words: block scales d as f16 pairs
  q4_0  nb*4 words of nibbles, GGUF order (byte j: element j low, element j+16 high) | ceil(nb/2) scale words
  q4_1  nb*4 words of nibbles | nb words: (d, m) as an f16 pair per block
Keeping scales as f16 pairs keeps the GPU bytes equal to the GGUF bytes (plus at most one pad word per row).
"""
from __future__ import annotations

import numpy as np
import gguf

from .model import QUANT_BLOCK, Tensor

GGML_TYPE = {
    "q4_0": gguf.GGMLQuantizationType.Q4_0,
    "q4_1": gguf.GGMLQuantizationType.Q4_1,
    "q8_0": gguf.GGMLQuantizationType.Q8_0,
    "f16": gguf.GGMLQuantizationType.F16,
    "f32": gguf.GGMLQuantizationType.F32,
}


def quant_words_per_row(fmt: str, k: int) -> int:
    """u32 words holding the quants (not the scales) of one row."""
    nb = k // 32
    return {"q8_0": nb * 8, "q4_0": nb * 4, "q4_1": nb * 4}[fmt]


def row_words(fmt: str, k: int) -> int:
    """u32 words per row in the repacked layout (the kernels' row stride)."""
    if fmt == "f32":
        return k
    if fmt == "f16":
        return (k + 1) // 2
    nb = k // 32
    scale_words = nb if fmt == "q4_1" else (nb + 1) // 2
    return quant_words_per_row(fmt, k) + scale_words


ROW_GROUP = 8


def interleave(rows: np.ndarray) -> np.ndarray:
    """(R, RW) row-major words -> 1-D kernel layout, R padded with zero rows to a multiple of ROW_GROUP."""
    r, rw = rows.shape
    pad = -r % ROW_GROUP
    if pad:
        rows = np.concatenate([rows, np.zeros((pad, rw), rows.dtype)])
    return np.ascontiguousarray(rows.reshape(-1, ROW_GROUP, rw).transpose(0, 2, 1)).reshape(-1)


def pad_rows(rows: np.ndarray, to_group: bool = True) -> np.ndarray:
    """(R, RW) words with zero rows appended up to a multiple of ROW_GROUP (when to_group): each half of a gate|up
    weight starts on a row group, so the up rows of a kernel's quad of rows are one vector load too."""
    pad = -rows.shape[0] % ROW_GROUP if to_group else 0
    return np.concatenate([rows, np.zeros((pad, rows.shape[1]), rows.dtype)]) if pad else rows


def repack_paired(t: Tensor, columns: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """A matrix in kernel layout for a paired act (kernels.PAIRED_ACTS): the first rows of its pairs, then their
    partners, each half padded to a whole number of row groups, then interleaved (kernels.paired_half). Pairs are
    gate row n and up row n of a gate|up matrix (gate rows stacked on up rows), or rows columns[0][i] and
    columns[1][i] (a fused QKV weight: kernels.KVWrite.columns)."""
    rows = repack_rows(t)
    halves = np.split(rows, 2) if columns is None else [rows[columns[0]], rows[columns[1]]]
    return interleave(np.concatenate([pad_rows(h) for h in halves]))


def repack(t: Tensor) -> np.ndarray:
    """A matrix in kernel layout (see the module docstring)."""
    return interleave(repack_rows(t))


def repack_rows(t: Tensor) -> np.ndarray:
    """Row-major kernel words: float32 (rows, K) for f32, else uint32 (rows, row_words)."""
    if t.fmt == "f32":
        return np.ascontiguousarray(t.data, dtype=np.float32)
    rows, k = (t.shape if len(t.shape) == 2 else (1, t.shape[0]))
    if t.fmt == "f16":
        h = np.asarray(t.data, dtype=np.float16).reshape(rows, k)
        if k % 2:
            h = np.concatenate([h, np.zeros((rows, 1), np.float16)], axis=1)
        return np.ascontiguousarray(h).view(np.uint32).reshape(rows, -1)
    block_elems, block_bytes = QUANT_BLOCK[t.fmt]
    if k % block_elems:
        raise ValueError(f"tensor {t.name}: {t.fmt} needs a row length divisible by {block_elems}, got {k}")
    nb = k // block_elems
    blocks = np.asarray(t.data, dtype=np.uint8).reshape(rows, nb, block_bytes)
    if t.fmt == "q4_1":
        scales = blocks[:, :, 0:4].copy().view(np.uint32).reshape(rows, nb)      # (d, m) f16 pair
        quants = blocks[:, :, 4:20].copy().view(np.uint32).reshape(rows, nb * 4)
    else:
        d = blocks[:, :, 0:2].copy().view(np.uint16).reshape(rows, nb)
        if nb % 2:
            d = np.concatenate([d, np.zeros((rows, 1), np.uint16)], axis=1)
        scales = np.ascontiguousarray(d).view(np.uint32).reshape(rows, -1)
        quants = blocks[:, :, 2:].copy().view(np.uint32).reshape(rows, -1)
    out = np.concatenate([quants, scales], axis=1)
    assert out.shape[1] == row_words(t.fmt, k)  # internal invariant, not user input
    return np.ascontiguousarray(out)


def dequantize(t: Tensor) -> np.ndarray:
    """float32 values of a tensor in its logical shape (the numpy reference's view of the weight)."""
    if t.fmt in ("f32", "f16"):
        return np.asarray(t.data, dtype=np.float32).reshape(t.shape)
    out = gguf.quants.dequantize(np.asarray(t.data, dtype=np.uint8), GGML_TYPE[t.fmt])
    return np.asarray(out, dtype=np.float32).reshape(t.shape)


def quantize(name: str, values: np.ndarray, fmt: str) -> Tensor:
    """Make a tensor of `fmt` from float values (tests build tiny quantized models with this)."""
    values = np.asarray(values, dtype=np.float32)
    if fmt == "f32":
        return Tensor(name, fmt, values.shape, values)
    if fmt == "f16":
        return Tensor(name, fmt, values.shape, values.astype(np.float16))
    data = gguf.quants.quantize(values.reshape(-1, values.shape[-1]), GGML_TYPE[fmt])
    return Tensor(name, fmt, values.shape, np.asarray(data, dtype=np.uint8))
