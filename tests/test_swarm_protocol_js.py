"""runtime_js/protocol.js is server/swarm/protocol.py's binary half, byte for byte: STEP frames packed by the
coordinator are what the tab's worker reads (and packs back to the same bytes), and RESULT frames a tab packs pass the
coordinator's checks. Runs the JS in Node; no adapter, no browser."""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from compiler.native import wire
from compiler.native.batch import Output, Row, Sampling, Step
from server.swarm.protocol import ProtocolError, pack_result, pack_step, parse_result, unpack_step
from tests.conftest import unavailable

REPO = Path(__file__).resolve().parent.parent

# Reads cases (base64 STEP frames) from a file; for each: the unpacked step, the frame packed again, and a RESULT
# frame packed by the JS side; then the messages of malformed frames and the worker page's test switches.
NODE = """
import fs from "node:fs";
import { pathToFileURL } from "node:url";
const [repo, casesFile] = process.argv.slice(2);
const p = await import(pathToFileURL(`${repo}/runtime_js/protocol.js`).href);
const wire = await import(pathToFileURL(`${repo}/runtime_js/wire.js`).href);
const { testSwitchesFromParams } = await import(pathToFileURL(`${repo}/runtime_js/worker.js`).href);
const { checkStep } = await import(pathToFileURL(`${repo}/runtime_js/batch.js`).href);
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));
const steps = cases.steps.map((c) => {
  const frame = new Uint8Array(Buffer.from(c, "base64"));
  const { assignment, stepId, step, x } = p.unpackStep(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength));
  const again = p.packStep(assignment, stepId, step, x);
  const values = { rows: step.rows.length, width: 4, data: Float32Array.from({ length: step.rows.length * 4 }, (_, i) => i / 8) };
  const result = p.packResult(assignment, stepId, 1.5, wire.encode(values, "f16"));
  return { assignment, stepId, step, x: x && b64(x), again: b64(again), result: b64(result) };
});
const errors = cases.bad.map((c) => {
  try { p.unpackStep(new Uint8Array(Buffer.from(c, "base64"))); return null; } catch (e) { return e.message; }
});
const switches = ["test_throttle_ms=25&test_memory=4096&test_corrupt=1", "", "test_memory=1.5", "test_throttle_ms=x"]
  .map((q) => { try { return testSwitchesFromParams(new URLSearchParams(q)); } catch (e) { return e.message; } });
// A stage that takes activations accepts the rows a NO_TOKEN frame gives it; a stage starting with embed does not.
const limits = { maxRows: 4, maxOutputs: 1, slots: 1, context: 8, vocab: 10 };
const tokenless = { rows: [{ slot: 0, pos: 0 }], outputs: [] };
const checks = [true, false].map((needsTokens) => {
  try { checkStep(tokenless, { ...limits, needsTokens }); return null; } catch (e) { return e.message; }
});
console.log(JSON.stringify({ steps, errors, switches, checks }));
"""


def run_node(tmp_path: Path, cases: dict) -> dict:
    node = shutil.which("node")
    if node is None:
        unavailable("node", "node is missing")
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    (tmp_path / "check.mjs").write_text(NODE)
    out = subprocess.run([node, str(tmp_path / "check.mjs"), str(REPO), str(tmp_path / "cases.json")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_js_frames_are_the_coordinators(tmp_path):
    greedy, hot = Sampling(), Sampling(0.7, 40, 0.9, -3)   # a negative seed travels as its u32
    x = wire.encode(np.arange(12, dtype=np.float32).reshape(3, 4) / 3, "f16")
    steps = [
        (1, 1, Step([Row(0, 0, token=5), Row(0, 1, token=6), Row(1, 9, token=7)], [Output(2, greedy, 0)]), None),
        (7, 42, Step([Row(1, 3), Row(0, 4), Row(1, 5)], [Output(0, hot, 4), Output(2, greedy, 1)]), x),
        (2, 9, Step([Row(0, 0)], []), wire.encode(np.zeros((1, 4), np.float32))),
    ]
    frames = [pack_step(a, sid, s, xx) for a, sid, s, xx in steps]
    bad = [frames[0][:10], b"XXXX" + frames[0][4:], frames[1][:30]]
    got = run_node(tmp_path, {"steps": [base64.b64encode(f).decode() for f in frames],
                              "bad": [base64.b64encode(b).decode() for b in bad]})

    for (a, sid, step, xx), frame, js in zip(steps, frames, got["steps"]):
        assert (js["assignment"], js["stepId"]) == (a, sid)
        assert base64.b64decode(js["again"]) == frame, "packStep(unpackStep(frame)) gives the frame back"
        assert (base64.b64decode(js["x"]) if js["x"] else None) == xx
        # Rows without a token (a stage that takes activations) carry none, as unpack_step's Row(token=None).
        assert [[r["slot"], r["pos"], r.get("token")] for r in js["step"]["rows"]] == \
            [[r.slot, r.pos, r.token] for r in step.rows]
        assert [[o["row"], o["step"], o["sampling"]["seed"], o["sampling"]["top_k"]] for o in js["step"]["outputs"]] == \
            [[o.row, o.step, o.sampling.seed & 0xFFFFFFFF, o.sampling.top_k] for o in step.outputs]
        # The coordinator accepts what the tab sends back: header, shape, f16 activations.
        r = parse_result(base64.b64decode(js["result"]), rows=len(step.rows), width=4, dtype="f32", vocab=1)
        assert (r.assignment, r.step_id, r.compute_ms) == (a, sid, 1.5)
        np.testing.assert_array_equal(r.values.reshape(-1), np.arange(len(step.rows) * 4) / 8)
        assert base64.b64decode(js["result"]) == pack_result(a, sid, 1.5, r.payload)

    want = []
    for b in bad:
        with pytest.raises(ProtocolError) as e:
            unpack_step(b)
        want.append(str(e.value).replace("b'XXXX'", '"XXXX"').replace("b'WSS1'", '"WSS1"'))
    assert got["errors"] == want, "the same sentences as protocol.py (JSON quotes for bytes)"

    assert got["checks"] == ["rows[0] needs exactly one of token and src", None]
    assert got["switches"] == [{"throttleMs": 25, "memoryBytes": 4096, "corrupt": True},
                               {"throttleMs": 0, "memoryBytes": 0, "corrupt": False},
                               "test_memory must be whole bytes, got 1.5",
                               "test_throttle_ms must be a number >= 0, got x"]
