"""Activations crossing a stage boundary: the bytes one stage hands the next, in this process or over a network.

stage.py (run) -> **wire format** -> another stage here, in a browser tab (runtime_js/wire.js), or a swarm worker.

    offset  size  field
    0       4     magic b"WSA1" (webshard activations, format 1)
    4       4     dtype code, u32 little-endian: 0 = f32, 1 = f16, 2 = u32
    8       4     rows, u32 little-endian
    12      4     width (values per row), u32 little-endian
    16      ...   rows * width values, row-major, little-endian

Everything is little-endian, as WebGPU buffers and every browser's typed arrays on the platforms that run them are.
A reader checks the magic, the dtype and that the payload is exactly rows * width values, and says which is wrong.
"""
from __future__ import annotations

import struct

import numpy as np

MAGIC = b"WSA1"
HEADER = struct.Struct("<4sIII")
DTYPES = {0: np.dtype("<f4"), 1: np.dtype("<f2"), 2: np.dtype("<u4")}
CODES = {"f32": 0, "f16": 1, "u32": 2}


class WireError(ValueError):
    """Bytes that are not a well-formed activations message (wrong magic, dtype, or size)."""


def encode(values: np.ndarray, dtype: str = "f32") -> bytes:
    """(rows, width) values -> header + little-endian payload in `dtype` ("f32", "f16" or "u32")."""
    if dtype not in CODES:
        raise WireError(f"dtype {dtype!r} is not one of {', '.join(CODES)}")
    arr = np.asarray(values)
    if arr.ndim != 2:
        raise WireError(f"activations must be (rows, width), got shape {arr.shape}")
    code = CODES[dtype]
    payload = np.ascontiguousarray(arr, dtype=DTYPES[code]).tobytes()
    return HEADER.pack(MAGIC, code, arr.shape[0], arr.shape[1]) + payload


def decode(blob: bytes | bytearray | memoryview, *, width: int | None = None, max_rows: int | None = None,
           as_f32: bool = True) -> np.ndarray:
    """header + payload -> (rows, width) array (f16 widened to f32 unless as_f32=False).

    `width` / `max_rows`, when given, are what the receiving stage expects: a mismatch is a WireError naming both.
    """
    blob = memoryview(blob)
    if len(blob) < HEADER.size:
        raise WireError(f"activations message of {len(blob)} bytes is shorter than its {HEADER.size}-byte header")
    magic, code, rows, w = HEADER.unpack_from(blob)
    if magic != MAGIC:
        raise WireError(f"activations message starts with {bytes(magic)!r}, expected {MAGIC!r}")
    if code not in DTYPES:
        raise WireError(f"activations dtype code {code} is unknown (known: {sorted(DTYPES)})")
    if width is not None and w != width:
        raise WireError(f"activations are {w} wide, this stage takes rows of {width}")
    if max_rows is not None and rows > max_rows:
        raise WireError(f"{rows} activation rows, this stage takes at most {max_rows}")
    dt = DTYPES[code]
    expected = rows * w * dt.itemsize
    payload = blob[HEADER.size:]
    if len(payload) != expected:
        raise WireError(f"activations payload is {len(payload)} bytes, {rows} rows x {w} x {dt.itemsize} = {expected}")
    arr = np.frombuffer(payload, dtype=dt).reshape(rows, w)
    if as_f32 and dt == DTYPES[1]:
        return arr.astype(np.float32)
    return arr.copy()


def dtype_name(blob: bytes) -> str:
    """The dtype of a message ("f32", "f16", "u32"), from its header."""
    _, code, _, _ = HEADER.unpack_from(blob)
    return {v: k for k, v in CODES.items()}[code]
