/**
 * GPU timing with timestamp queries, shared by the benchmark (bench.js) and the autotuner (autotune.js): the JS twin
 * of compiler/native/profile.py. Each timed pass writes a timestamp at its beginning and end; a step timed whole
 * runs as decode runs it, one compute pass.
 *
 * Plain ES module, no module-level state.
 */

/** @param {number[]} xs */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Timestamp writes for pass `i` of a query set of timed passes.
 * @param {GPUQuerySet} qs
 * @param {number} i
 */
export const passWrites = (qs, i) => ({ querySet: qs, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 });

/**
 * Submit `enc` and resolve its `n` timed passes' timestamps into milliseconds.
 * @param {GPUDevice} device
 * @param {GPUQuerySet} qs
 * @param {number} n
 * @param {GPUCommandEncoder} enc
 */
export async function timed(device, qs, n, enc) {
  const resolve = device.createBuffer({ size: 16 * n, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: 16 * n, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  enc.resolveQuerySet(qs, 0, 2 * n, resolve, 0);
  enc.copyBufferToBuffer(resolve, 0, read, 0, 16 * n);
  device.queue.submit([enc.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const t = new BigUint64Array(read.getMappedRange().slice(0));
  read.unmap();
  resolve.destroy();
  read.destroy();
  return Array.from({ length: n }, (_, i) => Number(t[2 * i + 1] - t[2 * i]) / 1e6);
}

/**
 * GPU milliseconds of one whole step of a LocalChain, in one timed pass (query set `qs`, pass 0): the step
 * recorded `times` times in that pass, divided by `times`. Chrome rounds timestamps to 100 us unless its WebGPU
 * developer features are on, 5-10% of a GPU's decode step; a pass of several steps shrinks that share.
 * @param {any} chain  A LocalChain.
 * @param {import('./batch.js').Step} step
 * @param {GPUQuerySet} qs
 * @param {number} [times]
 */
export async function stepGpuMs(chain, step, qs, times = 1) {
  const ws = chain.ws;
  ws.writeStep(step);
  const enc = ws.device.createCommandEncoder();
  const pass = enc.beginComputePass({ timestampWrites: passWrites(qs, 0) });
  for (let i = 0; i < times; i++) {
    for (const s of chain.stages) s.record(pass, step.rows.length, step.outputs.length);
  }
  pass.end();
  return (await timed(ws.device, qs, 1, enc))[0] / times;
}

/**
 * GPU milliseconds of every dispatch of a step, each in its own timed pass, in the chain's order (query set `qs`
 * of at least as many passes): the twin of compiler/native/profile.py kernel_gpu_ms.
 * @param {any} chain  A LocalChain.
 * @param {import('./batch.js').Step} step
 * @param {GPUQuerySet} qs
 * @returns {Promise<number[]>}
 */
export async function kernelGpuMs(chain, step, qs) {
  const ws = chain.ws;
  const steps = chain.stages.flatMap((s) => s.steps);
  ws.writeStep(step);
  const enc = ws.device.createCommandEncoder();
  steps.forEach((st, i) => {
    const pass = enc.beginComputePass({ timestampWrites: passWrites(qs, i) });
    ws.ex.record(pass, st.kernel, st.bindGroup, step.rows.length, step.outputs.length);
    pass.end();
  });
  return timed(ws.device, qs, steps.length, enc);
}
