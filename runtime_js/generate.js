/**
 * A compiled model in a browser tab: artifact URL -> **WebModel** (device, pipelines, weights, tokenizer) ->
 * streamed token ids. The browser twin of compiler/runtime.py's Model, running the same manifest, WGSL and shards.
 *
 * Load overlaps its three slow parts: shard download/cache reads (uploaded to the GPU shard by shard, then dropped),
 * pipeline compilation, and the tokenizer. Generation keeps everything but token ids on the GPU: the sample kernel
 * writes the next id into `tokens`, where the next step's embedding reads it. So decode step t+1 can be submitted
 * before step t's id is read back, and the 4-byte readback overlaps GPU work instead of stalling it.
 *
 * Plain ES module, no module-level state.
 */
import { fetchKernelSources, fetchManifest, loadShards } from './artifact.js';
import { acquireDevice } from './device.js';
import { Executor } from './executor.js';
import { loadTokenizer } from './tokenizer.js';

// Decode steps submitted ahead of the one being read back. One is enough to keep the GPU busy while the CPU
// awaits a readback; more only wastes work past an EOS.
const DECODE_AHEAD = 1;

/**
 * @typedef {object} LoadStats
 * @property {number} ms            Page-side load time, manifest to ready.
 * @property {number} networkBytes  Shard bytes downloaded.
 * @property {number} cachedBytes   Shard bytes read from the Cache API.
 * @property {number} totalBytes
 * @property {number} shardsFromNetwork
 * @property {number} compileMs     Pipeline creation (overlaps the download).
 */

/**
 * @typedef {object} GenerationStats
 * @property {number} promptTokens
 * @property {number} prefilledTokens Prompt tokens actually run (the rest were already in the KV cache).
 * @property {number} prefillMs     Prompt in, first token id out.
 * @property {number} decodeTokens  Tokens after the first.
 * @property {number} decodeMs
 * @property {number} decodeTokS
 * @property {string} stopReason    "eos" | "max_tokens" | "max_context" | "abort"
 */

/** Length of the common prefix of two id lists. */
function commonPrefix(a, b) {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n += 1;
  return n;
}

export class WebModel {
  /**
   * Use WebModel.load.
   * @param {{manifest: any, baseUrl: string, gpu: import('./device.js').ModelDevice, executor: Executor,
   *          codec: import('./tokenizer.js').TextCodec, loadStats: LoadStats}} parts
   */
  constructor(parts) {
    this.manifest = parts.manifest;
    this.baseUrl = parts.baseUrl;
    this.device = parts.gpu.device;
    this.adapterName = parts.gpu.adapterName;
    this.variant = parts.gpu.variant;
    this.executor = parts.executor;
    this.codec = parts.codec;
    this.modelId = parts.manifest.model.id;
    this.config = parts.manifest.model.config;
    this.maxContext = parts.manifest.limits.max_context;
    this.maxStepTokens = parts.manifest.limits.max_tokens_per_step;
    /** @type {LoadStats} */
    this.loadStats = parts.loadStats;
    /** @type {GenerationStats | null} */
    this.stats = null;
    this.busy = false;
    // Token ids whose keys/values are in the KV cache at positions 0..n-1: a prompt that starts with them (the
    // next chat turn) only prefills what follows, as the native runtime does.
    /** @type {number[]} */
    this.cached = [];
  }

  /**
   * Load an artifact directory (e.g. "/artifacts/smollm2/") onto this tab's GPU.
   * @param {string} baseUrl
   * @param {{onProgress?: (loadedBytes: number, totalBytes: number) => void, variant?: string | null,
   *          signal?: AbortSignal, useCache?: boolean, onLost?: (info: GPUDeviceLostInfo) => void}} [options]
   *   variant: force the "cpu" or "gpu" kernel variant (default: chosen from the adapter).
   *   onLost: the device was lost after loading (driver reset, out of memory): the model is unusable.
   * @returns {Promise<WebModel>}
   */
  static async load(baseUrl, options = {}) {
    const t0 = performance.now();
    const manifest = await fetchManifest(baseUrl, { signal: options.signal });
    const gpu = await acquireDevice(manifest, { variant: options.variant, onLost: options.onLost });
    try {
      const executor = new Executor(gpu.device, manifest, { variant: gpu.variant });
      const compile = (async () => {
        const t = performance.now();
        await executor.compile(await fetchKernelSources(baseUrl, manifest, gpu.variant, executor.kernelNames));
        return performance.now() - t;
      })();
      const [compileMs, shards, codec] = await Promise.all([
        compile,
        loadShards(baseUrl, manifest, {
          signal: options.signal,
          useCache: options.useCache,
          onProgress: options.onProgress,
          onShard: (_shard, tensors) => { for (const [name, t] of tensors) executor.upload(name, t.bytes); },
        }),
        loadTokenizer(baseUrl, manifest, { signal: options.signal }),
      ]);
      executor.finalize();
      await gpu.device.queue.onSubmittedWorkDone();
      const s = shards.stats;
      const loadStats = {
        ms: performance.now() - t0, networkBytes: s.networkBytes, cachedBytes: s.cachedBytes,
        totalBytes: s.totalBytes, shardsFromNetwork: s.shardsFromNetwork, compileMs,
      };
      return new WebModel({ manifest, baseUrl, gpu, executor, codec, loadStats });
    } catch (e) {
      gpu.device.destroy();
      throw e;
    }
  }

  /** @param {string} text */
  encode(text) {
    return this.codec.encode(text);
  }

  /** @param {ArrayLike<number>} ids */
  decode(ids) {
    return this.codec.decode(ids);
  }

  /** @param {import('./tokenizer.js').ChatMessage[]} messages */
  chatPrompt(messages) {
    return this.codec.chatPrompt(messages);
  }

  /** @returns {Set<number>} */
  get eosIds() {
    return this.codec.eosIds;
  }

  /**
   * Stream generated token ids: the first comes from the prompt's last position; stops at EOS, at maxTokens, at
   * the end of the context, or when `signal` aborts (then quietly, with stats.stopReason "abort").
   * Same semantics as compiler/runtime.py's Model.generate, so greedy output is token-for-token identical.
   * @param {number[]} promptIds
   * @param {{maxTokens?: number, temperature?: number, topK?: number, topP?: number, seed?: number,
   *          signal?: AbortSignal, stopAtEos?: boolean}} [options]
   * @returns {AsyncGenerator<number, void, void>}
   */
  async *generate(promptIds, options = {}) {
    const { maxTokens = 64, temperature = 0, topK = 0, topP = 1, seed = 0, signal, stopAtEos = true } = options;
    if (!Number.isInteger(maxTokens) || maxTokens < 1) {
      throw new RangeError(`maxTokens must be an integer >= 1, got ${maxTokens}`);
    }
    if (!(temperature >= 0)) throw new RangeError(`temperature must be >= 0, got ${temperature}`);
    if (!(topP > 0 && topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${topP}`);
    if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`topK must be an integer >= 0, got ${topK}`);
    const ids = Array.from(promptIds);
    if (!ids.length) throw new RangeError('the prompt is empty');
    if (ids.length >= this.maxContext) {
      throw new RangeError(`prompt of ${ids.length} tokens does not fit the context of ${this.maxContext} tokens`);
    }
    const vocab = this.config.vocab_size;
    const bad = ids.find((i) => !Number.isInteger(i) || i < 0 || i >= vocab);
    if (bad !== undefined) throw new RangeError(`token id ${bad} is outside the vocabulary (0..${vocab - 1})`);
    if (this.busy) throw new Error('this model is already generating (one generation at a time)');
    this.busy = true;

    const ex = this.executor;
    const sampling = { seed, temperature, top_k: topK, top_p: topP };
    const eos = stopAtEos ? this.eosIds : new Set();
    const all = this.manifest.plan.units.map((u) => u.name);
    const body = all.filter((n) => n !== 'head' && n !== 'sample');
    /** @type {GenerationStats} */
    const stats = {
      promptTokens: ids.length, prefilledTokens: 0, prefillMs: 0, decodeTokens: 0, decodeMs: 0, decodeTokS: 0,
      stopReason: '',
    };
    this.stats = stats;
    /** @type {Promise<number>[]} */
    const inflight = [];
    // outputs[k]: the token decode step k sampled (outputs[0] comes from the prefill); step k consumed
    // outputs[k - 1], so the cache ends up holding the prompt and outputs[0 .. submitted - 1].
    /** @type {number[]} */
    const outputs = [];
    let submitted = 0;
    const start = Math.min(commonPrefix(this.cached, ids), ids.length - 1); // the last prompt token always runs
    this.cached = [];
    try {
      const t0 = performance.now();
      // Prefill in chunks; only the last chunk runs head + sample and reads the first token back. Every chunk's
      // promise is awaited, so a chunk the browser rejected is an error, never a token sampled from a bad cache.
      const chunks = [];
      for (let c0 = start; c0 < ids.length; c0 += this.maxStepTokens) {
        const chunk = ids.slice(c0, c0 + this.maxStepTokens);
        ex.writeTokens(chunk);
        const last = c0 + this.maxStepTokens >= ids.length;
        chunks.push(ex.runUnits(last ? all : body, chunk.length, { ...sampling, pos0: c0, step: 0 }, { read: last }));
      }
      let tok = /** @type {number} */ ((await Promise.all(chunks)).at(-1));
      outputs[0] = tok;
      stats.prefilledTokens = ids.length - start;
      stats.prefillMs = performance.now() - t0;
      const t1 = performance.now();
      // Decode step k (k = 1, 2, ...) reads token k-1 at position len(prompt) + k - 1 and samples token k.
      const submit = () => {
        const pos = ids.length + submitted;
        submitted += 1;
        const k = submitted;
        const token = /** @type {Promise<number>} */ (
          ex.runUnits(all, 1, { ...sampling, pos0: pos, step: submitted }, { read: true }));
        inflight.push(token.then((id) => (outputs[k] = id)));
      };
      // Whether decode step k may run, as in the native loop: it yields token k (k < maxTokens) and runs at
      // position pos = len(prompt) + k - 1, which needs pos + 1 < max_context.
      const allowed = (k) => k < maxTokens && ids.length + k < this.maxContext;
      for (let k = 0; ; k += 1) {
        yield tok;
        if (eos.has(tok)) { stats.stopReason = 'eos'; break; }
        if (!allowed(k + 1)) { stats.stopReason = k + 1 >= maxTokens ? 'max_tokens' : 'max_context'; break; }
        if (signal?.aborted) { stats.stopReason = 'abort'; break; }
        while (submitted < k + 1 + DECODE_AHEAD && allowed(submitted + 1)) submit();
        tok = await inflight.shift();
        stats.decodeTokens += 1;
        stats.decodeMs = performance.now() - t1;
        stats.decodeTokS = stats.decodeTokens / (stats.decodeMs / 1000);
      }
    } finally {
      // Steps submitted past the stop still hold readback buffers: let them finish before the next generation.
      await Promise.allSettled(inflight);
      const consumed = outputs.slice(0, submitted);
      const known = consumed.findIndex((id) => id === undefined);   // a failed step: trust only what precedes it
      this.cached = outputs.length ? ids.concat(known < 0 ? consumed : consumed.slice(0, known)) : [];
      this.busy = false;
    }
  }

  /** Release the GPU device (the tab keeps no model memory afterwards). */
  destroy() {
    this.executor.destroy();
    this.device.destroy();
  }
}
