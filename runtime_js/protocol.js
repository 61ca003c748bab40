/**
 * The swarm's worker protocol, version 1, as a worker in a tab speaks it: the JS twin of server/swarm/protocol.py
 * (same frames, byte for byte; the coordinator checks every field of what a worker sends).
 *
 * coordinator (server/swarm/) <-> WebSocket /ws/worker <-> **these frames** <-> worker.js (SwarmWorker) -> stage.js.
 * Text frames are JSON objects with a "type"; binary frames carry steps and results, little-endian:
 *
 *     STEP  (coordinator -> worker)               RESULT (worker -> coordinator)
 *     0   4  magic "WSS1"                          0   4  magic "WSR1"
 *     4   4  assignment (epoch)                    4   4  assignment (epoch) it was computed under
 *     8   4  step id (per worker, +1 each step)    8   4  step id it answers (the oldest unanswered)
 *     12  4  rows                                  12  4  compute time in microseconds
 *     16  4  outputs                               16  ...  activations, logits or sampled ids (wire.js)
 *     20  4  flags (bit 0: input activations follow)
 *     24  rows * 12: slot, pos, token (u32 each; token 0xFFFFFFFF when the stage takes activations)
 *     ..  outputs * 24: row, seed, step (u32), temperature (f32), top_k (u32), top_p (f32)
 *     ..  input activations in the wire format (wire.js), when flag bit 0 is set
 *
 * Plain ES module, no module-level state.
 */

export const PROTOCOL = 1;
export const STEP_MAGIC = 'WSS1';
export const RESULT_MAGIC = 'WSR1';
export const STEP_HEAD_BYTES = 24;
export const RESULT_HEAD_BYTES = 16;
export const ROW_BYTES = 12;
export const OUT_BYTES = 24;
export const NO_TOKEN = 0xFFFFFFFF;

/** A frame that breaks the protocol; the message names what is wrong. */
export class ProtocolError extends RangeError {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/**
 * @typedef {import('./batch.js').Step} Step
 * @typedef {{assignment: number, stepId: number, step: Step, x: Uint8Array | null}} StepFrame
 */

/**
 * @param {Uint8Array} bytes
 * @param {string} magic
 */
function hasMagic(bytes, magic) {
  for (let i = 0; i < 4; i += 1) if (bytes[i] !== magic.charCodeAt(i)) return false;
  return true;
}

/**
 * A STEP frame -> what the worker runs: (assignment, step id, step, input activations or null). protocol.py
 * unpack_step; a row whose token is NO_TOKEN gets none (the stage takes activations).
 * @param {ArrayBuffer | Uint8Array} frame
 * @returns {StepFrame}
 */
export function unpackStep(frame) {
  const bytes = frame instanceof ArrayBuffer ? new Uint8Array(frame) : frame;
  if (bytes.byteLength < STEP_HEAD_BYTES) {
    throw new ProtocolError(`step frame of ${bytes.byteLength} bytes is shorter than its header`);
  }
  if (!hasMagic(bytes, STEP_MAGIC)) {
    throw new ProtocolError(`step frame starts with ${JSON.stringify(String.fromCharCode(...bytes.subarray(0, 4)))}, ` +
      `expected ${JSON.stringify(STEP_MAGIC)}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at) => view.getUint32(at, true);
  const [assignment, stepId, nRows, nOut, flags] = [4, 8, 12, 16, 20].map(u32);
  let at = STEP_HEAD_BYTES;
  const need = at + nRows * ROW_BYTES + nOut * OUT_BYTES;
  if (bytes.byteLength < need) {
    throw new ProtocolError(`step frame of ${bytes.byteLength} bytes is shorter than its ${nRows} rows and ${nOut} outputs`);
  }
  const rows = [];
  for (let i = 0; i < nRows; i += 1, at += ROW_BYTES) {
    const token = u32(at + 8);
    rows.push(token === NO_TOKEN ? { slot: u32(at), pos: u32(at + 4) } : { slot: u32(at), pos: u32(at + 4), token });
  }
  const outputs = [];
  for (let i = 0; i < nOut; i += 1, at += OUT_BYTES) {
    outputs.push({
      row: u32(at),
      step: u32(at + 8),
      sampling: {
        seed: u32(at + 4), temperature: view.getFloat32(at + 12, true), top_k: u32(at + 16),
        top_p: view.getFloat32(at + 20, true),
      },
    });
  }
  const x = flags & 1 ? bytes.slice(at) : null;
  return { assignment, stepId, step: { rows, outputs }, x };
}

/**
 * A STEP frame (what the coordinator sends; here for tests and tools): protocol.py pack_step.
 * @param {number} assignment
 * @param {number} stepId
 * @param {Step} step
 * @param {Uint8Array | null} [x]  Input activations in the wire format.
 * @returns {Uint8Array}
 */
export function packStep(assignment, stepId, step, x = null) {
  const out = new Uint8Array(STEP_HEAD_BYTES + step.rows.length * ROW_BYTES + step.outputs.length * OUT_BYTES +
    (x ? x.byteLength : 0));
  const view = new DataView(out.buffer);
  const put = (at, v) => view.setUint32(at, v, true);
  for (let i = 0; i < 4; i += 1) out[i] = STEP_MAGIC.charCodeAt(i);
  [assignment, stepId, step.rows.length, step.outputs.length, x ? 1 : 0].forEach((v, i) => put(4 + 4 * i, v));
  let at = STEP_HEAD_BYTES;
  for (const r of step.rows) {
    put(at, r.slot); put(at + 4, r.pos); put(at + 8, r.token ?? NO_TOKEN);
    at += ROW_BYTES;
  }
  for (const o of step.outputs) {
    const s = o.sampling;
    put(at, o.row); put(at + 4, s.seed >>> 0); put(at + 8, o.step >>> 0);
    view.setFloat32(at + 12, s.temperature, true);
    put(at + 16, Math.min(s.top_k, 0xFFFFFFFF));
    view.setFloat32(at + 20, s.top_p, true);
    at += OUT_BYTES;
  }
  if (x) out.set(x, at);
  return out;
}

/**
 * A RESULT frame: header + the wire message (activations, logits or sampled ids). protocol.py pack_result.
 * @param {number} assignment
 * @param {number} stepId
 * @param {number} computeMs  Clamped to what a u32 of microseconds holds.
 * @param {Uint8Array} payload
 * @returns {Uint8Array}
 */
export function packResult(assignment, stepId, computeMs, payload) {
  const out = new Uint8Array(RESULT_HEAD_BYTES + payload.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i += 1) out[i] = RESULT_MAGIC.charCodeAt(i);
  view.setUint32(4, assignment, true);
  view.setUint32(8, stepId, true);
  view.setUint32(12, Math.max(0, Math.min(0xFFFFFFFF, Math.trunc(computeMs * 1000))), true);
  out.set(payload, RESULT_HEAD_BYTES);
  return out;
}

/**
 * A RESULT frame's header and payload (tests and tools; the coordinator is the one that checks results).
 * @param {ArrayBuffer | Uint8Array} frame
 * @returns {{assignment: number, stepId: number, computeMs: number, payload: Uint8Array}}
 */
export function unpackResult(frame) {
  const bytes = frame instanceof ArrayBuffer ? new Uint8Array(frame) : frame;
  if (bytes.byteLength < RESULT_HEAD_BYTES || !hasMagic(bytes, RESULT_MAGIC)) {
    throw new ProtocolError(`not a result frame (${bytes.byteLength} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    assignment: view.getUint32(4, true), stepId: view.getUint32(8, true), computeMs: view.getUint32(12, true) / 1000,
    payload: bytes.slice(RESULT_HEAD_BYTES),
  };
}

/**
 * A text message the coordinator sent -> its object; ProtocolError when it is not one (the coordinator is trusted,
 * so this checks shape, not intent).
 * @param {string} text
 * @returns {{type: string, [field: string]: any}}
 */
export function parseMessage(text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError(`the server sent a text frame that is not JSON (${e.message})`);
  }
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') {
    throw new ProtocolError('the server sent a message without a type');
  }
  return msg;
}
