/**
 * Chains of stages covering the whole model, embed to sample: what the generation loop (engine.js) runs.
 *
 * stage.js (Workspace, Stage) -> **LocalChain** (stages sharing one workspace: one compute pass per step, rows may
 * read the previous step's sampled ids on the GPU) or **RelayChain** (stages loaded apart, activations relayed
 * through host memory in the wire format, as between tabs and machines) -> engine.js. The JS twins of the chains in
 * compiler/native/stage.py; both offer the engine's Runner interface (engine.js).
 *
 * Plain ES module, no module-level state.
 */
import { fetchManifest } from './artifact.js';
import { Sampling, checkStep } from './batch.js';
import { cacheKey, cachedChoice, forgetChoice, storeChoice, tune } from './autotune.js';
import { acquireDevice } from './device.js';
import { KernelError } from './executor.js';
import { ArtifactError, shardsForUnits, splitRanges, unitNames } from './manifest.js';
import { Stage, Workspace } from './stage.js';
import { encode as encodeWire } from './wire.js';

/**
 * @typedef {import('./batch.js').Step} Step
 * @typedef {import('./stage.js').StageOptions} StageOptions
 * @typedef {import('./stage.js').LoadStats} LoadStats
 */

/**
 * A submitted step of a LocalChain: where its sampled ids (and kept logits rows) will be read from.
 * @typedef {object} Pending
 * @property {number} nOut
 * @property {number[]} keep
 * @property {Promise<ArrayBuffer[]>} done  [ids, logits?] once the GPU has run the step.
 * @property {number} submits  Command buffers the step was submitted in.
 */

/**
 * Stages on one device sharing one workspace, run as ONE compute pass per step. Rows may take their token from
 * the previous step's sampled ids on the GPU (`src`), so decode steps can be submitted before earlier ones are read.
 */
/**
 * Where a step of n dispatches is cut into submits: after `first`, then after chunks that double each time. The
 * twin of compiler/native/stage.py submit_cuts. In node on Dawn on an H200 (synthetic SmolLM2, 3 rounds of 5 cold
 * prompts each, whole and chunked in turn), the first token came after 3.83-5.06 / 5.68-5.78 / 11.53-11.70 ms whole
 * against 2.84-3.63 / 4.48-4.50 / 10.18-10.21 chunked at 16 / 128 / 512 tokens; decode did not change. Chrome,
 * whose WebGPU calls cross to a GPU process, was not measured on a GPU.
 * @param {number} n
 * @param {number} [first]
 * @returns {number[]}
 */
export function submitCuts(n, first = 8) {
  if (!(first >= 1)) throw new RangeError(`submitCuts: the first chunk needs at least one dispatch, got ${first}`);
  const cuts = [];
  let end = first;
  let size = first;
  while (end < n) {
    cuts.push(end);
    size *= 2;
    end += size;
  }
  return cuts;
}

export class LocalChain {
  /**
   * The whole model as one stage, or cut before the layers in `split` into stages on one workspace. Without a
   * `variant`, the variant is the manifest rules' choice or, where the rules name candidates, the autotuner's
   * (autotune.js; `autotune: false` keeps the rules' choice).
   * @param {string} baseUrl
   * @param {StageOptions & {split?: number[], autotune?: boolean}} [options]
   */
  static async load(baseUrl, options = {}) {
    const t0 = performance.now();
    const manifest = options.manifest ?? await fetchManifest(baseUrl, { signal: options.signal });
    const forced = options.variant || null;
    const gpu = options.gpu ?? await acquireDevice(manifest, {
      slots: options.slots, variant: forced, onLost: options.onLost,
    });
    try {
      // Where the rules name alternatives for this adapter and no variant is forced: the autotuner's choice, from
      // its cache, or timed below on this model once it is loaded (autotune.js).
      const cands = forced || options.autotune === false ? [] : gpu.candidates ?? [];
      // A candidate's kernel file the server cannot give (a damaged artifact) costs the tuning, not the load.
      const key = cands.length > 1 ? await cacheKey(baseUrl, manifest, gpu, cands).catch((e) => {
        console.warn(`webshard: not autotuning: ${e?.message ?? e}`);
        return null;
      }) : null;
      let cached = key === null ? null : cachedChoice(key);
      if (cached !== null && !cands.includes(cached)) cached = null;
      let chain;
      try {
        chain = await LocalChain.#loadStages(baseUrl, manifest, gpu, forced ?? cached ?? gpu.variant, options);
      } catch (e) {
        // A cached choice that no longer builds (a browser update within one major version keeps the key):
        // forget it, load the rules' variant and time the candidates again.
        if (key === null || cached === null || cached === gpu.variant || !(e instanceof KernelError)) throw e;
        forgetChoice(key);
        cached = null;
        chain = await LocalChain.#loadStages(baseUrl, manifest, gpu, gpu.variant, options);
      }
      if (key !== null && cached === null) {
        chain.autotune = await tune(chain, cands);
        storeChoice(key, { ...chain.autotune, adapter: gpu.adapterName, candidates: cands });
      }
      chain.loadStats.ms = performance.now() - t0;
      return chain;
    } catch (e) {
      if (!options.gpu) gpu.device.destroy();   // made here: nothing else will free it
      throw e;
    }
  }

  /**
   * A workspace running `variant` and the stages of `options.split` on it (freed again when one fails to load).
   * @param {string} baseUrl
   * @param {any} manifest
   * @param {import('./device.js').ModelDevice} gpu
   * @param {string} variant
   * @param {StageOptions & {split?: number[]}} options
   */
  static async #loadStages(baseUrl, manifest, gpu, variant, options) {
    const ws = await Workspace.create(baseUrl, manifest, {
      slots: options.slots ?? gpu.slots, gpu, onLost: options.onLost, variant,
    });
    const ranges = options.split?.length ? splitRanges(manifest, options.split) : [[null, null]];
    const progress = stageProgress(manifest, ranges, options.onProgress);
    /** @type {Stage[]} */
    const stages = [];
    try {
      // One after another: a shard two stages share (a tied embedding) is then read from the cache the second time.
      for (const [i, [first, last]] of ranges.entries()) {
        stages.push(await Stage.load(baseUrl, { ...options, first, last, workspace: ws, onProgress: progress[i] }));
      }
      return new LocalChain(stages);
    } catch (e) {
      for (const s of stages) s.destroy();
      ws.destroy();
      throw e;
    }
  }

  /** @param {Stage[]} stages */
  constructor(stages) {
    if (!stages.length || new Set(stages.map((s) => s.ws)).size !== 1) {
      throw new RangeError('a LocalChain needs stages that share one workspace');
    }
    checkContiguous(stages);
    if (stages[0].firstRole !== 'embed' || stages.at(-1).lastRole !== 'sample') {
      throw new RangeError('a LocalChain runs the whole model: embed first, sample last');
    }
    this.stages = stages;
    this.ws = stages[0].ws;
    this.chainable = true;
    this.maxRows = this.ws.maxRows;
    this.maxOutputs = this.ws.maxOutputs;
    this.slots = this.ws.slots;
    this.context = this.ws.context;
    this.vocab = this.ws.vocab;
    this.defaultSampling = Sampling.defaults(this.ws.manifest);
    this.loadStats = sumStats(stages.map((s) => s.loadStats));
    /** @type {import('./autotune.js').TuneRecord | null} The autotuner's record when this load timed the candidates. */
    this.autotune = null;
    /** Cut a prompt's step into submits on an idle GPU (submitCuts); not on CPU adapters, whose variants start with
     * "cpu": there the GPU is the CPU that encodes. */
    this.splitPrompts = !this.ws.variant.startsWith('cpu');
    /** Steps submitted and not yet read back: none means the GPU is idle. */
    this.inflight = 0;
  }

  /**
   * Encode and submit one step; returns at once (read it with collect). A step with prompt rows, on an idle GPU
   * that is not the CPU, is cut into several submits (submitCuts), so that the GPU starts while the rest is
   * encoded, as the native chain does (stage.py submit_cuts).
   * @param {Step} step
   * @param {number[]} [keepLogits]  Outputs whose logits rows to read back too.
   * @returns {Pending}
   */
  submit(step, keepLogits = []) {
    const ws = this.ws;
    const dev = ws.device;
    checkStep(step, ws.limits);
    const nRows = step.rows.length;
    const nOut = step.outputs.length;
    const row = 4 * this.vocab;
    const reads = [{ rb: ws.readback(4 * nOut), nbytes: 4 * nOut }];
    if (keepLogits.length) reads.push({ rb: ws.readback(row * keepLogits.length), nbytes: row * keepLogits.length });
    const steps = this.stages.flatMap((s) => s.steps);
    const cuts = this.splitPrompts && nRows > nOut && this.inflight === 0 ? submitCuts(steps.length) : [];
    dev.pushErrorScope('validation');
    let scope;
    try {
      ws.writeStep(step);
      let enc = dev.createCommandEncoder();
      let pass = enc.beginComputePass();
      steps.forEach((s, i) => {
        if (cuts.includes(i)) {
          pass.end();
          dev.queue.submit([enc.finish()]);
          enc = dev.createCommandEncoder();
          pass = enc.beginComputePass();
        }
        ws.ex.record(pass, s.kernel, s.bindGroup, nRows, nOut);
      });
      pass.end();
      if (nOut) enc.copyBufferToBuffer(ws.buffer('sampled'), 0, reads[0].rb, 0, 4 * nOut);
      keepLogits.forEach((o, i) => enc.copyBufferToBuffer(ws.buffer('logits'), o * row, reads[1].rb, i * row, row));
      dev.queue.submit([enc.finish()]);
    } finally {
      scope = dev.popErrorScope();
    }
    this.inflight += 1;
    const done = ws.settle(scope, reads, this.span);
    done.then(() => { this.inflight -= 1; }, () => { this.inflight -= 1; }); // collect() reports a failure
    return { nOut, keep: [...keepLogits], done, submits: cuts.length + 1 };
  }

  /**
   * Wait for a submitted step (not for later ones); its sampled ids and kept logits rows.
   * @param {Pending} p
   * @returns {Promise<{ids: number[], logits: Float32Array[] | null}>}
   */
  async collect(p) {
    const [ids, logits] = await p.done;
    return {
      ids: Array.from(new Uint32Array(ids)),
      logits: logits ? p.keep.map((_, i) => new Float32Array(logits, i * 4 * this.vocab, this.vocab)) : null,
    };
  }

  get span() {
    return `${this.stages[0].units[0].name}..${this.stages.at(-1).units.at(-1).name}`;
  }

  /** Free GPU memory now (the device stays). */
  destroy() {
    for (const s of this.stages) s.destroy();
    this.ws.destroy();
  }
}

/**
 * Stages loaded apart (each its own workspace and buffers), relayed through host memory in the wire format: the
 * exact path activations take between tabs and machines, in one tab. Each step completes before the next is planned.
 */
export class RelayChain {
  /**
   * The model cut before the layers in `split`, each range its own stage on `gpu` (default: one new device sized
   * for the whole model).
   * @param {string} baseUrl
   * @param {number[]} split
   * @param {StageOptions & {wireDtype?: string}} [options]
   */
  static async load(baseUrl, split, options = {}) {
    const t0 = performance.now();
    const manifest = options.manifest ?? await fetchManifest(baseUrl, { signal: options.signal });
    const ranges = splitRanges(manifest, split);
    const gpu = options.gpu ?? await acquireDevice(manifest, {
      slots: options.slots, variant: options.variant, onLost: options.onLost,
    });
    const progress = stageProgress(manifest, ranges, options.onProgress);
    const stages = [];
    for (const [i, [first, last]] of ranges.entries()) {
      stages.push(await Stage.load(baseUrl, {
        ...options, manifest, first, last, gpu, slots: options.slots ?? gpu.slots, onProgress: progress[i],
      }));
    }
    const chain = new RelayChain(stages, options.wireDtype);
    chain.loadStats.ms = performance.now() - t0;
    return chain;
  }

  /**
   * @param {Stage[]} stages
   * @param {string} [wireDtype]  "f32" (exact) or "f16" (half the bytes).
   */
  constructor(stages, wireDtype = 'f32') {
    checkContiguous(stages);
    this.stages = stages;
    this.wireDtype = wireDtype;
    const ws = stages[0].ws;
    this.chainable = false;
    this.maxRows = ws.maxRows;
    this.maxOutputs = Math.min(...stages.map((s) => s.ws.maxOutputs));
    this.slots = Math.min(...stages.map((s) => s.ws.slots));
    this.context = ws.context;
    this.vocab = ws.vocab;
    this.defaultSampling = Sampling.defaults(ws.manifest);
    /** @type {number[]} Bytes sent over each boundary so far. */
    this.hopBytes = new Array(stages.length - 1).fill(0);
    this.loadStats = sumStats(stages.map((s) => s.loadStats));
  }

  /**
   * Run a step through every stage; the handle is the promise of its result.
   * @param {Step} step
   * @param {number[]} [keepLogits]
   */
  submit(step, keepLogits = []) {
    const done = this.#relay(step, keepLogits);
    done.catch(() => {}); // collect() reports it
    return done;
  }

  /**
   * @param {Step} step
   * @param {number[]} keep
   * @returns {Promise<{ids: number[], logits: Float32Array[] | null}>}
   */
  async #relay(step, keep) {
    let x = null;
    for (const [i, stage] of this.stages.entries()) {
      const out = await stage.run(step, x);
      if (stage.lastRole === 'sample') {
        let logits = null;
        if (keep.length) { // the last stage ran head and sample: its logits buffer still holds the rows
          const buf = await stage.ws.read('logits', 4 * this.vocab * step.outputs.length);
          logits = keep.map((o) => new Float32Array(buf, o * 4 * this.vocab, this.vocab));
        }
        return { ids: Array.from(out.data), logits };
      }
      x = encodeWire(out, this.wireDtype);
      this.hopBytes[i] += x.byteLength;
    }
    throw new ArtifactError('the last stage of a chain must end with the sample unit');
  }

  /**
   * @param {Promise<{ids: number[], logits: Float32Array[] | null}>} handle
   */
  async collect(handle) {
    return handle;
  }

  /** Free GPU memory now (the device stays). */
  destroy() {
    for (const s of this.stages) {
      s.destroy();
      s.ws.destroy();
    }
  }
}

/** @param {Stage[]} stages */
function checkContiguous(stages) {
  const plan = stages[0].manifest.plan.units.map((u) => u.name);
  const names = stages.flatMap((s) => s.units.map((u) => u.name));
  const start = plan.indexOf(names[0]);
  if (names.some((n, i) => plan[start + i] !== n)) {
    throw new RangeError(`stages must cover contiguous units in plan order, got ${names[0]}..${names.at(-1)} out of order`);
  }
}

/**
 * Per-stage progress callbacks that report the chain's total to `onProgress`.
 * @param {any} manifest
 * @param {Array<[string | null, string | null]>} ranges
 * @param {((loaded: number, total: number) => void) | undefined} onProgress
 */
function stageProgress(manifest, ranges, onProgress) {
  if (!onProgress) return ranges.map(() => undefined);
  const totals = ranges.map(([a, b]) => shardsForUnits(manifest, unitNames(manifest, a, b))
    .reduce((n, s) => n + s.bytes, 0));
  const total = totals.reduce((a, b) => a + b, 0);
  const loaded = ranges.map(() => 0);
  return ranges.map((_, i) => (/** @type {number} */ n) => {
    loaded[i] = n;
    onProgress(loaded.reduce((a, b) => a + b, 0), total);
  });
}

/**
 * @param {LoadStats[]} all
 * @returns {LoadStats}
 */
function sumStats(all) {
  const sum = (k) => all.reduce((n, s) => n + s[k], 0);
  return {
    ms: sum('ms'), networkBytes: sum('networkBytes'), cachedBytes: sum('cachedBytes'), totalBytes: sum('totalBytes'),
    shardsFromNetwork: sum('shardsFromNetwork'), compileMs: sum('compileMs'),
  };
}
