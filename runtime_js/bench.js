/**
 * The browser half of `webshard bench --browser`: the measurements of compiler/native/bench.py, taken in this tab
 * through the same engine and chain that serve the chat page, returned as the same JSON shape.
 *
 * generate.js WebModel (its LocalChain and Engine) -> **runBench** -> {device, runs: [{variant, prefill, decode,
 * batch, step}], chat_ttft_s} -> demos/bench.js hands it to the Playwright driver (compiler/browser_bench.py).
 *
 * Plain ES module, no module-level state.
 */
import { Engine, Sequence } from './engine.js';
import { workgroups } from './executor.js';
import { kernelGpuMs, median, passWrites, stepGpuMs, timed } from './profile.js';

/**
 * Deterministic token ids (speed does not depend on which): a small LCG, not numpy's generator.
 * @param {number} n
 * @param {number} vocab
 * @param {number} seed
 */
export function idsOf(n, vocab, seed) {
  const out = [];
  let x = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out.push(1 + (x % (vocab - 1)));
  }
  return out;
}

/**
 * @param {Engine} engine
 * @param {Sequence[]} seqs
 */
async function runSeqs(engine, seqs) {
  for (const s of seqs) engine.add(s);
  while (!engine.idle) await engine.step();
}

/**
 * Prefill tok/s and time to first token of a cold n-token prompt (median of `repeats` prompts).
 * @param {Engine} engine
 * @param {number} vocab
 * @param {number} n
 * @param {number} repeats
 */
async function measurePrefill(engine, vocab, n, repeats) {
  const ttfts = [];
  for (let r = 0; r < repeats; r++) {
    engine.slots.forget();
    const seq = new Sequence(idsOf(n, vocab, n), { maxTokens: 1, stopAtEos: false });
    await runSeqs(engine, [seq]);
    ttfts.push((seq.tFirst - seq.tAdded) / 1000);
  }
  const ttft = median(ttfts);
  return { tokens: n, ttft_ms: ttft * 1000, tok_s: n / ttft, runs_ttft_ms: ttfts.map((t) => t * 1000) };
}

/**
 * Decode tok/s after a `context`-token prompt (median of `repeats` runs from the same point).
 * @param {Engine} engine
 * @param {number} vocab
 * @param {number} context
 * @param {number} tokens
 * @param {number} repeats
 */
async function measureDecode(engine, vocab, context, tokens, repeats) {
  const rates = [];
  for (let r = 0; r < repeats; r++) {
    const seq = new Sequence(idsOf(context, vocab, context + 1), { maxTokens: tokens + 1, stopAtEos: false });
    await runSeqs(engine, [seq]);
    rates.push(tokens / ((seq.tLast - seq.tFirst) / 1000));
  }
  return { context, tokens, tok_s: median(rates), runs: rates };
}

/**
 * Aggregate decode tok/s of `batch` sequences once all are past their prompts.
 * @param {Engine} engine
 * @param {number} vocab
 * @param {number} batch
 * @param {number} tokens
 */
async function measureBatch(engine, vocab, batch, tokens) {
  engine.slots.forget();
  const seqs = Array.from({ length: batch }, (_, i) => new Sequence(idsOf(16, vocab, 100 + i),
    { maxTokens: tokens + 1, stopAtEos: false }));
  for (const s of seqs) engine.add(s);
  while (!seqs.every((s) => s.outputs.length)) await engine.step();
  const t0 = performance.now();
  const done0 = seqs.reduce((n, s) => n + s.outputs.length, 0);
  while (!engine.idle) await engine.step();
  const dt = (Math.max(...seqs.map((s) => s.tLast)) - t0) / 1000;
  return { batch, tok_s: (seqs.reduce((n, s) => n + s.outputs.length, 0) - done0) / dt };
}

/** @param {Record<string, number>} o  The same entries, largest value first. */
const sortDesc = (o) => Object.fromEntries(Object.entries(o).sort((x, y) => y[1] - x[1]));

/**
 * One decode step's costs at position 64: dispatches, CPU time to encode and submit, and (with timestamp-query)
 * GPU time of the whole step in one pass, of each kernel in its own pass, and a copy-bandwidth probe.
 * @param {any} chain  A LocalChain.
 */
async function measureStep(chain) {
  const ws = chain.ws;
  const dev = ws.device;
  const m = ws.manifest;
  const step = { rows: [{ slot: 0, pos: 64, token: 1 }], outputs: [{ row: 0, sampling: chain.defaultSampling, step: 0 }] };
  const cpu = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    const h = chain.submit(step);
    cpu.push(performance.now() - t);
    await chain.collect(h);
  }
  const steps = chain.stages.flatMap((s) => s.steps.map((st) => ({ ...st, stage: s })));
  const live = steps.filter((st) => workgroups(ws.ex.programs.get(st.kernel).dispatch, 1, 1).every((d) => d > 0));
  const out = { dispatches: live.length, passes: 1, submits: 1, cpu_encode_submit_ms: median(cpu) };
  if (!dev.features.has('timestamp-query')) return out;
  const n = steps.length + 1;
  const qs = dev.createQuerySet({ type: 'timestamp', count: 2 * n });
  const whole = [];
  for (let r = 0; r < 5; r++) whole.push(await stepGpuMs(chain, step, qs));
  const runs = [];
  for (let r = 0; r < 3; r++) runs.push(await kernelGpuMs(chain, step, qs));
  /** @type {Record<string, number>} */
  const byOp = {};
  /** @type {Record<string, number>} */
  const byKernel = {};
  let mmBytes = 0;
  let mmMs = 0;
  const dispatches = chain.stages.flatMap((s) => s.units.flatMap((u) => u.dispatches));
  /** The largest matmul alone (the LM head): the one whose time its bytes, not its launch, should set. */
  let big = null;
  steps.forEach((st, i) => {
    const ms = median(runs.map((r) => r[i]));
    const op = m.kernels[st.kernel].op;
    byOp[op] = (byOp[op] ?? 0) + ms;
    byKernel[st.kernel] = (byKernel[st.kernel] ?? 0) + ms;
    if (op === 'matmul') {
      const bytes = m.weights[dispatches[i].bind.w].bytes;
      mmBytes += bytes;
      mmMs += ms;
      if (!big || bytes > big.bytes) big = { kernel: st.kernel, bytes, ms, gb_s: bytes / (ms / 1000) / 1e9 };
    }
  });
  const copyBuf = await copyBufferGbS(dev, qs);
  const copyKernel = await copyKernelGbS(dev, qs);
  const copy = Math.max(copyBuf, copyKernel);
  qs.destroy();
  const mm = mmMs ? mmBytes / (mmMs / 1000) / 1e9 : 0;
  return {
    ...out, gpu_step_ms: median(whole), gpu_kernels_ms: sortDesc(byOp), gpu_kernel_names_ms: sortDesc(byKernel),
    gpu_kernels_sum_ms: Object.values(byOp).reduce((x, y) => x + y, 0), matmul_gb_s: mm, copy_gb_s: copy,
    copy_buffer_gb_s: copyBuf, copy_kernel_gb_s: copyKernel, matmul_vs_copy: copy ? mm / copy : 0,
    ...(big ? { largest_matmul: big } : {}),
  };
}

/**
 * GPU time of one `rows`-row prefill step (a cold prompt in slot 0), whole and per kind of kernel, each dispatch
 * in its own timed pass, once: compiler/native/bench.py measure_prefill_kernels.
 * @param {any} chain  A LocalChain.
 * @param {number} rows
 */
async function measurePrefillStep(chain, rows) {
  const ws = chain.ws;
  const dev = ws.device;
  const n = Math.min(rows, chain.maxRows);
  const ids = idsOf(n, chain.vocab, n);
  const step = { rows: ids.map((token, pos) => ({ slot: 0, pos, token })),
    outputs: [{ row: n - 1, sampling: chain.defaultSampling, step: 0 }] };
  const dispatches = chain.stages.flatMap((s) => s.steps);
  const qs = dev.createQuerySet({ type: 'timestamp', count: 2 * Math.max(dispatches.length, 1) });
  await stepGpuMs(chain, step, qs);   // warm
  const ms = await kernelGpuMs(chain, step, qs);
  /** @type {Record<string, number>} */
  const byOp = {};
  dispatches.forEach((st, i) => {
    const op = ws.manifest.kernels[st.kernel].op;
    byOp[op] = (byOp[op] ?? 0) + ms[i];
  });
  const gpu = await stepGpuMs(chain, step, qs);
  qs.destroy();
  return { rows: n, gpu_step_ms: gpu,
    gpu_kernels_ms: sortDesc(byOp) };
}

const PROBE_BYTES = 128 << 20;

/**
 * Device-to-device copy speed, read + write bytes per second of copyBufferToBuffer, best of 5: the copy bracketed
 * by empty timed passes (WebGPU times passes, not copies). compiler/native/profile.py copy_bandwidth_gbs.
 * @param {GPUDevice} dev
 * @param {GPUQuerySet} qs
 */
async function copyBufferGbS(dev, qs) {
  const usage = GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const a = dev.createBuffer({ size: PROBE_BYTES, usage });
  const b = dev.createBuffer({ size: PROBE_BYTES, usage });
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const enc = dev.createCommandEncoder();
    enc.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0 } }).end();
    enc.copyBufferToBuffer(a, 0, b, 0, PROBE_BYTES);
    enc.beginComputePass({ timestampWrites: { querySet: qs, endOfPassWriteIndex: 1 } }).end();
    best = Math.min(best, (await timed(dev, qs, 1, enc))[0]);
  }
  a.destroy();
  b.destroy();
  return (2 * PROBE_BYTES) / (best / 1000) / 1e9;
}

const COPY_WGSL = `
@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<u32>>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>) {
  let i = gid.x + gid.y * n.x * 256u;
  if (i < arrayLength(&dst)) { dst[i] = src[i]; }
}`;

/**
 * The same copy done by a compute shader with vec4 loads and stores: what a kernel can stream on this adapter
 * (on an H200 the buffer copy reached a fraction of it). compiler/native/profile.py copy_kernel_gbs.
 * @param {GPUDevice} dev
 * @param {GPUQuerySet} qs
 */
async function copyKernelGbS(dev, qs) {
  const size = Math.min(PROBE_BYTES, dev.limits.maxStorageBufferBindingSize);
  const a = dev.createBuffer({ size, usage: GPUBufferUsage.STORAGE });
  const b = dev.createBuffer({ size, usage: GPUBufferUsage.STORAGE });
  const pipeline = dev.createComputePipeline({ layout: 'auto',
    compute: { module: dev.createShaderModule({ code: COPY_WGSL }), entryPoint: 'main' } });
  const bg = dev.createBindGroup({ layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: a } }, { binding: 1, resource: { buffer: b } }] });
  const groups = size / 16 / 256;
  const gx = Math.min(groups, 32768);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const enc = dev.createCommandEncoder();
    const pass = enc.beginComputePass({ timestampWrites: passWrites(qs, 0) });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(gx, Math.ceil(groups / gx), 1);
    pass.end();
    best = Math.min(best, (await timed(dev, qs, 1, enc))[0]);
  }
  a.destroy();
  b.destroy();
  return (2 * size) / (best / 1000) / 1e9;
}

/**
 * Every figure the native bench takes, for a model loaded in this tab.
 * @param {import('./generate.js').WebModel} model
 * @param {{prefill?: number[], contexts?: number[], batch?: number[], decodeTokens?: number, repeats?: number,
 *          chatPrompt?: string, profile?: boolean}} [options]
 */
export async function runBench(model, options = {}) {
  const { prefill = [16, 128], contexts = [64], batch = [1, 4], decodeTokens = 16, repeats = 1 } = options;
  const chain = /** @type {any} */ (model.chain);
  const vocab = model.config.vocab_size;
  const engine = new Engine(chain, { eosIds: [] });
  await measureDecode(engine, vocab, 16, 2, 1);   // warm-up
  const run = { variant: model.variant, burst: 1, load_s: model.loadStats.ms / 1000, autotune: model.autotune };
  // The chat page's case: a short chat prompt's first token, cold (no prefix in the slot).
  let chat = null;
  if (options.chatPrompt) {
    const ids = model.encodeChat([{ role: 'user', content: options.chatPrompt }]);
    engine.slots.forget();
    const seq = new Sequence(ids, { maxTokens: 1, stopAtEos: false });
    await runSeqs(engine, [seq]);
    chat = { tokens: ids.length, ttft_s: (seq.tFirst - seq.tAdded) / 1000 };
  }
  run.prefill = [];
  for (const n of prefill) run.prefill.push(await measurePrefill(engine, vocab, n, repeats));
  run.decode = [];
  for (const c of contexts) run.decode.push(await measureDecode(engine, vocab, c, decodeTokens, repeats));
  run.batch = [];
  for (const b of batch) if (b <= chain.slots) run.batch.push(await measureBatch(engine, vocab, b, decodeTokens));
  run.step = options.profile === false ? { dispatches: 0, passes: 1, submits: 1, cpu_encode_submit_ms: 0 }
    : await measureStep(chain);
  if (options.profile !== false && model.device.features.has('timestamp-query') && prefill.length) {
    run.prefill_step = await measurePrefillStep(chain, Math.max(...prefill));
  }
  const info = model.gpu.adapter?.info ?? {};
  return {
    device: { adapter: model.adapterName, type: '', backend: 'WebGPU (browser)', kind: /swiftshader/i.test(model.adapterName) ? 'swiftshader' : 'gpu',
      features: [...model.device.features].filter((f) => ['shader-f16', 'subgroups', 'timestamp-query'].includes(f)).sort(),
      vendor: info.vendor ?? '', architecture: info.architecture ?? '' },
    model: { id: model.modelId, source: model.manifest.model.source.path, layers: model.config.n_layers,
      weight_bytes: model.manifest.stats.weight_bytes },
    runs: [run],
    chat: chat,
    chat_ttft_s: chat?.ttft_s ?? null,
  };
}
