/**
 * The autotuner in the browser: which of an artifact's candidate kernel variants runs fastest on this tab's adapter,
 * measured once. The JS twin of compiler/native/autotune.py, with the same steps, checks and record.
 *
 * manifest variant_choice (rules -> a variant, `candidates` -> the variants worth timing against it; device.js
 * tuneCandidates keeps those the adapter can run) -> **tune**, at a LocalChain's first load on this adapter: each
 * candidate runs the model's own decode step on the loaded weights (timestamp queries where the device has them),
 * must give the logits of the rule's variant, and the fastest wins (candidates that decode alike: the fastest on a
 * long step, where their tiled programs differ) -> cached in localStorage per adapter, browser build and kernel
 * sources, so later loads read the choice and build only its pipelines. A forced variant (`variant`, `?variant=`)
 * or `autotune: false` skips it. A swarm worker tunes its probe stage the same way before it reports its capability
 * (tuneStage), among the candidates that compute in f32.
 *
 * Plain ES module, no module-level state.
 */
import { fetchKernelSources } from './artifact.js';
import { Sampling } from './batch.js';
import { KernelError } from './executor.js';
import { tiledEntries } from './manifest.js';
import { stepInput } from './probe.js';
import { median, stepGpuMs } from './profile.js';

/** localStorage entry holding {cacheKey: record}. */
export const STORE_KEY = 'webshard.autotune';
// Candidates whose decode steps are within this fraction of the fastest are told apart by a long step: gpu and
// gpu_f16 share their decode programs (compiler/kernels.py), so their decode times differ only by noise.
export const TIE = 0.02;
// Milliseconds of steps submitted back to back before a candidate is timed: an idle GPU lowers its clock (on an
// H200 the candidates timed right after building their pipelines read 4x slow; compiler/native/autotune.py WARM_S).
export const WARM_MS = 200;

/**
 * @typedef {import('./batch.js').Step} Step
 * @typedef {object} TuneRecord  What tune() measured (the shape compiler/native/autotune.py records).
 * @property {Record<string, number>} ms        Median ms of the decode step, per candidate that matched.
 * @property {Record<string, string>} rejected  Why a candidate was not timed.
 * @property {string} timer                     "timestamp" or "wall".
 * @property {number} position                  Position of the timed decode row.
 * @property {number} [long_rows]               Rows of the long step that broke a decode tie.
 * @property {Record<string, number>} [long_ms]
 * @property {string} choice
 * @property {number} seconds
 */

/**
 * 53-bit FNV-1a-style hash of strings, as 14 hex digits (a cache key, not security: crypto.subtle needs a secure
 * context, which a page served over plain HTTP on a LAN address is not).
 * @param {string[]} parts
 */
function hashOf(parts) {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h1 = Math.imul(h1 ^ 0, 0x01000193);   // a separator, so ["ab", "c"] and ["a", "bc"] differ
  }
  return ((h2 >>> 0) & 0x1fffff).toString(16).padStart(6, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

/**
 * Adapter, user agent and the WGSL of the candidates: a kernel change, or a browser of another major version
 * (Chrome's user agent names only that), times them again. Browsers do not report driver versions; a choice that
 * stops building is forgotten at load (chain.js).
 * @param {string} baseUrl
 * @param {any} manifest
 * @param {import('./device.js').ModelDevice} gpu
 * @param {string[]} cands
 */
export async function cacheKey(baseUrl, manifest, gpu, cands) {
  const info = /** @type {Record<string, unknown>} */ (gpu.adapter.info ?? {});
  const parts = ['vendor', 'architecture', 'device', 'description'].map((k) => String(info[k] ?? ''));
  parts.push(globalThis.navigator?.userAgent ?? '', cands.join(','));
  const names = Object.keys(manifest.kernels).sort();
  const mine = cands.map((v) => names.filter((n) => manifest.kernels[n].variants[v]));
  const sources = await Promise.all(cands.map((v, i) => fetchKernelSources(baseUrl, manifest, v, mine[i])));
  cands.forEach((_, i) => {
    for (const n of mine[i]) parts.push(n, sources[i].get(n)?.main ?? '', ...(sources[i].get(n)?.tiled ?? []));
  });
  return hashOf(parts);
}

/** The stored {key: record}, or {} where there is no localStorage (a worker) or it holds something else. */
function stored() {
  try {
    const data = JSON.parse(globalThis.localStorage?.getItem(STORE_KEY) ?? '{}');
    return data && typeof data === 'object' && !Array.isArray(data) ? data : {};
  } catch {
    return {};
  }
}

/**
 * The variant stored for `key`, if any.
 * @param {string} key
 * @returns {string | null}
 */
export function cachedChoice(key) {
  const entry = stored()[key];
  return entry && typeof entry.choice === 'string' ? entry.choice : null;
}

/**
 * Store a tuning record under `key` (quietly not, where storage is unavailable or full: it is timed again next
 * time rather than failing the load).
 * @param {string} key
 * @param {object} record
 */
export function storeChoice(key, record) {
  try {
    globalThis.localStorage?.setItem(STORE_KEY, JSON.stringify({ ...stored(), [key]: record }));
  } catch {
    // quota or privacy mode
  }
}

/**
 * Drop the record stored under `key` (a choice that no longer builds on this browser).
 * @param {string} key
 */
export function forgetChoice(key) {
  try {
    const data = stored();
    delete data[key];
    globalThis.localStorage?.setItem(STORE_KEY, JSON.stringify(data));
  } catch {
    // nothing stored, nothing to forget
  }
}

/**
 * The largest min_rows among the variants' tiled programs (every program of each chain) that a step of maxRows
 * reaches: there each kernel runs the last program of its chain that such a step reaches (0 when none has one:
 * their long steps run their decode programs).
 * @param {any} manifest
 * @param {string[]} variants
 * @param {number} maxRows
 */
export function longStepRows(manifest, variants, maxRows) {
  let rows = 0;
  for (const k of Object.values(manifest.kernels)) {
    for (const [v, e] of Object.entries(/** @type {Record<string, any>} */ (k.variants))) {
      if (!variants.includes(v)) continue;
      for (const t of tiledEntries(e)) if (t.min_rows <= maxRows) rows = Math.max(rows, t.min_rows);
    }
  }
  return rows;
}

/**
 * Time one decode step of `chain` with each candidate variant (its pipelines rebuilt against the stages' bind group
 * layouts, so the loaded weights and buffers serve every candidate). A candidate whose logits differ from the
 * first's by more than float rounding is rejected. Candidates that decode alike are then timed on a long step (the
 * rows from which their tiled programs run; gpu_f16's f16 GEMM rounds its logits more, so that check is looser).
 * Leaves the chain on the winner.
 * @param {any} chain  A LocalChain.
 * @param {string[]} cands  The rules' variant first.
 * @param {{repeats?: number, position?: number, tie?: number}} [options]  tie: TIE unless given.
 * @returns {Promise<TuneRecord>}
 */
export async function tune(chain, cands, options = {}) {
  const ws = chain.ws;
  const t0 = performance.now();
  const pos = Math.min(ws.context - 1, options.position ?? 128);
  const sampling = chain.defaultSampling;
  /** @type {Step} */
  const decode = { rows: [{ slot: 0, pos, token: 1 }], outputs: [{ row: 0, sampling, step: 0 }] };
  /** @type {TuneRecord} */
  const record = {
    ms: {}, rejected: {}, timer: ws.device.features.has('timestamp-query') ? 'timestamp' : 'wall', position: pos,
    choice: cands[0], seconds: 0,
  };
  record.ms = await timeCandidates(chain, cands, decode, options.repeats ?? 7, record.rejected, 1e-3, 8);
  /** @param {Record<string, number>} ms */
  const fastest = (ms) => Object.keys(ms).reduce((a, b) => (ms[b] < ms[a] ? b : a));
  let choice = Object.keys(record.ms).length ? fastest(record.ms) : cands[0];
  const tied = Object.keys(record.ms).filter((v) => record.ms[v] <= record.ms[choice] * (1 + (options.tie ?? TIE)));
  const rows = longStepRows(ws.manifest, tied, Math.min(chain.maxRows, ws.context));
  if (tied.length > 1 && rows) {
    /** @type {Step} */
    const long = {
      rows: Array.from({ length: rows }, (_, i) => ({ slot: 0, pos: i, token: 1 + (i % 7) })),
      outputs: [{ row: rows - 1, sampling, step: 0 }],
    };
    record.long_rows = rows;
    record.long_ms = await timeCandidates(chain, tied, long, 3, record.rejected, 2e-2, 2);
    if (Object.keys(record.long_ms).length) choice = fastest(record.long_ms);
  }
  try {
    await ws.useVariant(choice);
  } catch (e) {   // it built a moment ago; if it does not now, the rules' variant, which the load built
    record.rejected[choice] = reason(e);
    choice = cands[0];
    await ws.useVariant(choice);
  }
  record.choice = choice;
  record.seconds = (performance.now() - t0) / 1000;
  return record;
}

/**
 * A lone stage, as tune() times a chain: each step is fed the same pseudo-random activations (probe.js stepInput),
 * and its output rows are what the candidates must agree on. A swarm worker's probe unit is one layer: it has no
 * logits, and its neighbours' stages run elsewhere.
 */
export class StageTrial {
  /** @param {import('./stage.js').Stage} stage */
  constructor(stage) {
    this.stage = stage;
    this.ws = stage.ws;
    this.stages = [stage];   // what stepGpuMs records
    this.maxRows = stage.ws.maxRows;
    this.defaultSampling = Sampling.defaults(stage.ws.manifest);
  }

  /** @param {Step} step */
  submit(step) {
    const done = this.stage.run(step, stepInput(this.stage, step));
    done.catch(() => {}); // collect() reports it
    return done;
  }

  /** @param {Promise<{data: ArrayLike<number>}>} done */
  async collect(done) {
    return { ids: [], logits: [Float32Array.from((await done).data)] };
  }
}

/**
 * The candidates a swarm worker times: `cands` (the rules' variant first) without those needing `shader-f16`, which
 * compute in f16 (tuneStage says why). The rules' own variant stays whatever it needs: it is what the adapter runs
 * untuned, and no shipped rule names an f16 variant. compiler/native/autotune.py f32_candidates.
 * @param {any} manifest
 * @param {string[]} cands
 */
export function stageCandidates(manifest, cands) {
  const f16 = (/** @type {string} */ v) => (manifest.variant_features?.[v] ?? []).includes('shader-f16');
  return cands.filter((v, i) => i === 0 || !f16(v));
}

/**
 * Leave a swarm worker's probe stage on the variant that runs fastest on this adapter, as LocalChain.load does for
 * a whole model: the cached choice, else the candidates timed now on the stage (StageTrial) and the choice cached
 * (under the same key as a model's choice where the candidates are the same: the entry names the variant that ran
 * faster on this adapter, whether a layer or a whole decode step was timed). Candidates that compute in f16
 * (stageCandidates) are left out: a coordinator checks a worker's activations against its own f32 run within 1e-3
 * relative L2 (server/swarm/verifier.py), and SmolLM2's 30 layers with gpu_f16's GEMM gave 1.65e-3 (median row) to
 * 1.8e-2 of a 300-token prompt on lavapipe.
 * @param {import('./stage.js').Stage} stage  Loaded with the rules' variant.
 * @param {string} baseUrl
 * @returns {Promise<TuneRecord | null>}  What was timed; null when the cache answered or there was nothing to time.
 */
export async function tuneStage(stage, baseUrl) {
  const ws = stage.ws;
  const manifest = ws.manifest;
  const gpu = ws.gpu;
  const cands = stageCandidates(manifest, gpu.candidates ?? []);
  if (cands.length < 2) return null;
  const key = await cacheKey(baseUrl, manifest, gpu, cands).catch((e) => {
    console.warn(`webshard: not autotuning: ${e?.message ?? e}`);
    return null;
  });
  if (key === null) return null;
  const cached = cachedChoice(key);
  if (cached !== null && cands.includes(cached)) {
    try {
      await ws.useVariant(cached);   // all its programs build before any is swapped in
      return null;
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      forgetChoice(key);   // a choice that no longer builds here: time them again
    }
  }
  const record = await tune(new StageTrial(stage), cands);
  storeChoice(key, { ...record, adapter: gpu.adapterName, candidates: cands });
  return record;
}

/**
 * Keep the GPU busy with `step` for `ms` milliseconds, 8 steps a round, so that its clock is up when it is timed.
 * @param {any} chain
 * @param {Step} step
 * @param {number} [ms]
 */
export async function warmUp(chain, step, ms = WARM_MS) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const pending = Array.from({ length: 8 }, () => chain.submit(step));
    for (const p of pending) await chain.collect(p);
  }
}

/**
 * {variant: median ms of `step`} for the candidates that build and run on this device and whose logits of the
 * step's first output match the first timed one's to `rtol` of their largest (the others land in `rejected`, and
 * the workspace goes back to the variant it ran when called).
 * @param {any} chain
 * @param {string[]} cands
 * @param {Step} step
 * @param {number} repeats
 * @param {Record<string, string>} rejected
 * @param {number} rtol
 * @param {number} perPass  Steps per timed pass, where there are timestamp queries.
 */
async function timeCandidates(chain, cands, step, repeats, rejected, rtol, perPass) {
  const ws = chain.ws;
  const dev = ws.device;
  const loaded = ws.variant;
  const qs = dev.features.has('timestamp-query') ? dev.createQuerySet({ type: 'timestamp', count: 2 }) : null;
  /** @type {{variant: string, logits: Float32Array} | null} */
  let ref = null;
  /** @type {Record<string, number>} */
  const out = {};
  try {
    for (const v of cands) {
      try {
        await ws.useVariant(v);
        const { logits } = await chain.collect(chain.submit(step, [0]));   // its answer
        const got = /** @type {Float32Array[]} */ (logits)[0];
        const diff = ref && maxDiff(got, ref.logits, rtol);
        if (diff != null) {
          rejected[v] = `logits differ from ${ref?.variant}'s by ${diff.toPrecision(3)}`;
          continue;
        }
        ref ??= { variant: v, logits: got.slice() };
        await warmUp(chain, step);
        const times = [];
        for (let r = 0; r < repeats; r++) {
          if (qs) {
            times.push(await stepGpuMs(chain, step, qs, perPass));
          } else {
            const t = performance.now();
            await chain.collect(chain.submit(step));
            times.push(performance.now() - t);
          }
        }
        out[v] = median(times);
      } catch (e) {   // a candidate this browser rejects, or whose steps fail, is simply not chosen
        rejected[v] = reason(e);
        await ws.useVariant(loaded);
      }
    }
  } finally {
    qs?.destroy();
  }
  return out;
}

/**
 * What `rejected` records of an error: its kind and message, cut short.
 * @param {any} e
 */
const reason = (e) => `${e?.name ?? 'Error'}: ${e?.message ?? e}`.slice(0, 300);

/**
 * null when `a` matches `b` as numpy.allclose(a, b, rtol, atol = rtol * max|b|) does, else their largest difference.
 * @param {Float32Array} a
 * @param {Float32Array} b
 * @param {number} rtol
 */
function maxDiff(a, b, rtol) {
  let top = 0;
  for (const x of b) top = Math.max(top, Math.abs(x));
  const atol = rtol * (top + 1e-6);
  let worst = 0;
  let ok = a.length === b.length;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= atol + rtol * Math.abs(b[i]))) ok = false;   // NaN fails too
    if (!(d <= worst) && !Number.isNaN(worst)) worst = d;   // a NaN difference stays the answer
  }
  return ok ? null : worst;
}
