"""The worker protocol, version 1: what crosses the WebSocket /ws/worker between the coordinator and a worker.

worker (runtime_js/worker.js in a tab, compiler/native/worker.py natively) <-> **these messages** <-> coordinator
(server/swarm/coordinator.py). Text frames are JSON objects with a "type"; binary frames carry steps and results.
Every message from a worker is untrusted: `parse_text` and `parse_result` check every field and raise
ProtocolError naming it, and the coordinator evicts the worker.

Binary frames, little-endian:

    STEP  (coordinator -> worker)               RESULT (worker -> coordinator)
    0   4  magic b"WSS1"                         0   4  magic b"WSR1"
    4   4  assignment (epoch)                    4   4  assignment (epoch) it was computed under
    8   4  step id (per worker, +1 each step)    8   4  step id it answers (the oldest unanswered)
    12  4  rows                                  12  4  compute time in microseconds
    16  4  outputs                               16  ...  activations, logits or sampled ids (wire.py)
    20  4  flags (bit 0: input activations follow)
    24  rows * 12: slot, pos, token (u32 each; token 0xFFFFFFFF when the stage takes activations)
    ..  outputs * 24: row, seed, step (u32), temperature (f32), top_k (u32), top_p (f32)
    ..  input activations in the wire format (wire.py), when flag bit 0 is set
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass

import numpy as np

from compiler.native import wire
from compiler.native.batch import Output, Row, Sampling, Step

PROTOCOL = 1
STEP_MAGIC, RESULT_MAGIC = b"WSS1", b"WSR1"
STEP_HEAD = struct.Struct("<4sIIIII")
RESULT_HEAD = struct.Struct("<4sIII")
ROW = struct.Struct("<III")
OUT = struct.Struct("<IIIfIf")
NO_TOKEN = 0xFFFFFFFF
MAX_TEXT_BYTES = 64 << 10    # no JSON message of the protocol comes near this
MAX_NAME = 80


class ProtocolError(ValueError):
    """A worker message that breaks the protocol; the message names the field."""


# ------------------------------------------------------------------ binary frames


def pack_step(assignment: int, step_id: int, step: Step, x: bytes | None = None) -> bytes:
    rows = b"".join(ROW.pack(r.slot, r.pos, NO_TOKEN if r.token is None else r.token) for r in step.rows)
    outs = b"".join(OUT.pack(o.row, o.sampling.seed & 0xFFFFFFFF, o.step, o.sampling.temperature,
                             min(o.sampling.top_k, 0xFFFFFFFF), o.sampling.top_p) for o in step.outputs)
    head = STEP_HEAD.pack(STEP_MAGIC, assignment, step_id, len(step.rows), len(step.outputs), 1 if x else 0)
    return head + rows + outs + (x or b"")


def unpack_step(blob: bytes) -> tuple[int, int, Step, bytes | None]:
    """(assignment, step id, step, input activations or None): what a worker does with a STEP frame."""
    blob = memoryview(blob)
    if len(blob) < STEP_HEAD.size:
        raise ProtocolError(f"step frame of {len(blob)} bytes is shorter than its header")
    magic, assignment, step_id, n_rows, n_out, flags = STEP_HEAD.unpack_from(blob)
    if magic != STEP_MAGIC:
        raise ProtocolError(f"step frame starts with {bytes(magic)!r}, expected {STEP_MAGIC!r}")
    at = STEP_HEAD.size
    need = at + n_rows * ROW.size + n_out * OUT.size
    if len(blob) < need:
        raise ProtocolError(f"step frame of {len(blob)} bytes is shorter than its {n_rows} rows and {n_out} outputs")
    rows = []
    for i in range(n_rows):
        slot, pos, token = ROW.unpack_from(blob, at + i * ROW.size)
        rows.append(Row(slot, pos, token=None if token == NO_TOKEN else token))
    at += n_rows * ROW.size
    outputs = []
    for i in range(n_out):
        row, seed, step, temperature, top_k, top_p = OUT.unpack_from(blob, at + i * OUT.size)
        outputs.append(Output(row, Sampling(float(temperature), top_k, float(top_p), seed), step))
    at += n_out * OUT.size
    x = bytes(blob[at:]) if flags & 1 else None
    return assignment, step_id, Step(rows, outputs), x


def pack_result(assignment: int, step_id: int, compute_ms: float, payload: bytes) -> bytes:
    us = max(0, min(0xFFFFFFFF, int(compute_ms * 1000)))
    return RESULT_HEAD.pack(RESULT_MAGIC, assignment, step_id, us) + payload


@dataclass(frozen=True)
class Result:
    assignment: int
    step_id: int
    compute_ms: float
    values: np.ndarray     # (rows, width) activations / logits, or (outputs,) sampled ids
    payload: bytes         # the wire message itself, handed as is to the next stage


def parse_result(blob: bytes, *, rows: int, width: int, dtype: str, vocab: int) -> Result:
    """Check a RESULT frame against what the step asked for: the shape, the dtype family, finite activations,
    ids inside the vocabulary. Raises ProtocolError naming what is wrong."""
    blob = bytes(blob)
    if len(blob) < RESULT_HEAD.size:
        raise ProtocolError(f"result frame of {len(blob)} bytes is shorter than its header")
    magic, assignment, step_id, us = RESULT_HEAD.unpack_from(blob)
    if magic != RESULT_MAGIC:
        raise ProtocolError(f"result frame starts with {magic!r}, expected {RESULT_MAGIC!r}")
    payload = blob[RESULT_HEAD.size:]
    try:
        got = wire.dtype_name(payload) if len(payload) >= wire.HEADER.size else None
        if dtype == "u32" and got != "u32" or dtype != "u32" and got not in ("f32", "f16"):
            raise ProtocolError(f"result of step {step_id} is {got}, expected {dtype}")
        values = wire.decode(payload, width=width)
    except wire.WireError as e:
        raise ProtocolError(f"result of step {step_id}: {e}") from None
    if values.shape[0] != rows:
        raise ProtocolError(f"result of step {step_id} has {values.shape[0]} rows, the step had {rows}")
    if dtype == "u32":
        values = values.reshape(-1)
        if values.size and int(values.max()) >= vocab:
            raise ProtocolError(f"result of step {step_id} names token {int(values.max())}, outside the vocabulary")
    elif not np.isfinite(values).all():
        raise ProtocolError(f"result of step {step_id} holds NaN or infinity")
    return Result(assignment, step_id, us / 1000.0, values, payload)


# ------------------------------------------------------------------ JSON messages

# type -> {field: (python types, required)}; anything else in a message is ignored, a missing or mistyped field is
# an error. Numbers are checked for finiteness below.
_NUM = (int, float)
SCHEMAS = {
    "hello": {"protocol": (int, True), "token": (str, True), "kind": (str, True), "name": (str, False)},
    "capability": {"adapter": (dict, True), "features": (list, True), "limits": (dict, True), "variant": (str, True),
                   "layer_ms": (_NUM, True), "memory_bytes": (_NUM, True)},
    "progress": {"assignment": (int, True), "loaded": (_NUM, True), "total": (_NUM, True)},
    "ready": {"assignment": (int, True)},
    "heartbeat": {},
    "leave": {},
    "error": {"message": (str, True)},
}


def parse_text(data: str) -> dict:
    """A worker's text frame -> a checked dict. Raises ProtocolError naming the field at fault."""
    from server.safe_json import JSONRejected, parse_json

    if len(data) > MAX_TEXT_BYTES:
        raise ProtocolError(f"text message of {len(data)} bytes is over the {MAX_TEXT_BYTES}-byte limit")
    try:
        msg = parse_json(data, max_depth=8)   # no protocol message nests deeper than adapter info in capability
    except JSONRejected as e:
        raise ProtocolError(f"message is not acceptable JSON: {e}") from None
    if not isinstance(msg, dict):
        raise ProtocolError(f"message must be a JSON object, got {type(msg).__name__}")
    kind = msg.get("type")
    if kind not in SCHEMAS:
        raise ProtocolError(f"message type {kind!r} is not part of protocol {PROTOCOL}")
    for name, (types, required) in SCHEMAS[kind].items():
        if name not in msg:
            if required:
                raise ProtocolError(f"{kind}.{name} is missing")
            continue
        value = msg[name]
        if isinstance(value, bool) or not isinstance(value, types):
            raise ProtocolError(f"{kind}.{name} has the wrong type ({type(value).__name__})")
        if isinstance(value, float) and not math.isfinite(value):
            raise ProtocolError(f"{kind}.{name} is not a finite number")
        if isinstance(value, (int, float)) and value < 0:
            raise ProtocolError(f"{kind}.{name} is negative")
        if isinstance(value, str) and len(value) > (4096 if name == "message" else MAX_NAME * 4):
            raise ProtocolError(f"{kind}.{name} is too long")
    return msg
