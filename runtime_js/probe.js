/**
 * How a swarm worker measures itself before it joins (the capability message): memory by real allocations, since
 * WebGPU reports no VRAM, a probe step's input, and the adapter's limits in the native worker's names. The twin of
 * compiler/native/worker.py's probe_memory and its limits table; worker.js times the probe unit's steps.
 *
 * Plain ES module, no module-level state.
 */

/** At most this much is allocated to measure memory, as compiler/native/worker.py PROBE_CAP. */
export const PROBE_CAP = 2 ** 30;
const PROBE_CHUNK = 64 * 2 ** 20;

/**
 * A one-row step of `stage` at `pos` of slot 0, and its input: what decode runs (a stage starting with sample reads
 * logits of the step's outputs, of which there are none).
 * @param {import('./stage.js').Stage} stage
 * @param {number} pos
 * @returns {[import('./batch.js').Step, {rows: number, width: number, data: Float32Array} | null]}
 */
function oneRow(stage, pos) {
  const row = stage.firstRole === 'embed' ? { slot: 0, pos, token: 0 } : { slot: 0, pos };
  const step = { rows: [row], outputs: [] };
  return [step, stepInput(stage, step)];
}

/**
 * The input activations `stage` takes for `step` (null when it starts with embed): a fixed pseudo-random row per
 * input row. compiler/native/stage.py step_input.
 * @param {import('./stage.js').Stage} stage
 * @param {import('./batch.js').Step} step
 * @returns {{rows: number, width: number, data: Float32Array} | null}
 */
export function stepInput(stage, step) {
  const inp = stage.input;
  if (!inp) return null;
  const width = inp.row_bytes / 4;
  const rows = inp.rows === 'T' ? step.rows.length : step.outputs.length;
  const row = probeInput(width);
  const data = new Float32Array(rows * width);
  for (let r = 0; r < rows; r += 1) data.set(row, r * width);
  return { rows, width, data };
}

/**
 * Milliseconds of one one-row step of `stage`: the least disturbed of `steps` runs after the first (a warm-up),
 * since other work on the machine only adds time. Slot 0's KV cache is written.
 * @param {import('./stage.js').Stage} stage
 * @param {number} steps
 */
export async function timeSteps(stage, steps) {
  const times = [];
  for (let i = 0; i < Math.max(2, Math.trunc(steps)); i += 1) {
    const t = performance.now();
    await stage.run(...oneRow(stage, i));
    times.push(performance.now() - t);
  }
  // performance.now() is coarse (0.1 ms) in pages that are not cross-origin isolated, and the coordinator refuses 0.
  return Math.max(0.01, Math.min(...times.slice(1)));
}

/**
 * Run one throwaway step on a freshly loaded stage: its first step is slower than the next ones (about twice, for a
 * tiny model on SwiftShader), and the coordinator, which measures real steps, would count that against the worker.
 * It writes position 0 of slot 0's KV cache, which every sequence writes before it reads.
 * @param {import('./stage.js').Stage} stage
 */
export async function warmUp(stage) {
  await stage.run(...oneRow(stage, 0));
}

/**
 * Bytes this device let us allocate, up to `cap`, in real buffers created inside error scopes and then destroyed
 * (WebGPU has no memory query). compiler/native/worker.py probe_memory.
 * @param {GPUDevice} device
 * @param {number} cap
 */
export async function probeMemory(device, cap = PROBE_CAP) {
  const chunk = Math.min(PROBE_CHUNK, device.limits.maxBufferSize);
  const buffers = [];
  let total = 0;
  try {
    while (total + chunk <= cap) {
      device.pushErrorScope('out-of-memory');
      device.pushErrorScope('validation');
      const b = device.createBuffer({ size: chunk, usage: GPUBufferUsage.STORAGE });
      const [invalid, oom] = await Promise.all([device.popErrorScope(), device.popErrorScope()]);
      buffers.push(b);
      if (invalid || oom) break;   // out of memory ends the probe
      total += chunk;
    }
  } finally {
    for (const b of buffers) b.destroy();
  }
  return total;
}

/**
 * The probe step's input: `width` values of a fixed pseudo-random sequence (a layer's cost does not depend on them,
 * but zeros could take a shortcut in some driver).
 * @param {number} width
 */
function probeInput(width) {
  const x = new Float32Array(width);
  let s = 12345;
  for (let i = 0; i < width; i += 1) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

/**
 * An adapter's limits as numbers, named as the native worker names them (wgpu-py's "max-buffer-size"), so the
 * coordinator sees one shape from both kinds of worker.
 * @param {GPUSupportedLimits} limits
 */
export function limitsOf(limits) {
  /** @type {Record<string, number>} */
  const out = {};
  for (const key in limits) {   // WebIDL attributes are enumerable getters on the prototype
    const v = /** @type {any} */ (limits)[key];
    if (typeof v === 'number') out[key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)] = v;
  }
  return out;
}
