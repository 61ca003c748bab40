/**
 * A compiled encoder in a browser tab: artifact URL -> **WebEncoder** (device, one Stage over every unit, the
 * tokenizer) -> one embedding per text. The JS twin of compiler/native/encoder.py: the same manifest, WGSL and shards,
 * the same truncation (the first max_context - 1 ids and [SEP], as sentence-transformers cuts to max_seq_length) and
 * the same packed steps (sentence i of a step is slot i at positions 0..n-1; output i names its last row), so a tab
 * gives the native runtime's embeddings.
 *
 * Every step of one embed() call is submitted before the first is read back: the queue orders each step's
 * control-buffer writes after the previous step's work.
 *
 * Plain ES module, no module-level state.
 */
import { fetchManifest } from './artifact.js';
import { Sampling, checkStep } from './batch.js';
import { acquireDevice } from './device.js';
import { ArtifactError } from './manifest.js';
import { Stage } from './stage.js';
import { loadTokenizer } from './tokenizer.js';

/**
 * @typedef {object} Encoded  One text's ids as the model sees them, and how many it had before they were cut.
 * @property {number[]} ids
 * @property {number} tokens     Ids before truncation, [CLS] and [SEP] included.
 * @property {boolean} truncated
 */

/**
 * The first limit - 1 ids and the last ([SEP]) when there are more than `limit` (native truncate()).
 * @param {number[]} ids
 * @param {number} limit
 * @returns {number[]}
 */
export function truncate(ids, limit) {
  return ids.length <= limit ? [...ids] : [...ids.slice(0, limit - 1), ids[ids.length - 1]];
}

/**
 * Sentence indices per step, in order: a step takes sentences while their rows fit maxRows and their count fits
 * maxSentences (native plan_steps, with its message).
 * @param {number[]} lengths
 * @param {number} maxRows
 * @param {number} maxSentences
 * @returns {number[][]}
 */
export function planSteps(lengths, maxRows, maxSentences) {
  /** @type {number[][]} */
  const steps = [];
  let rows = 0;
  lengths.forEach((n, i) => {
    if (!(Number.isInteger(n) && n >= 1 && n <= maxRows)) {
      throw new RangeError(`sentence ${i} has ${n} tokens; a step holds 1..${maxRows}`);
    }
    if (!steps.length || rows + n > maxRows || steps[steps.length - 1].length >= maxSentences) {
      steps.push([]);
      rows = 0;
    }
    steps[steps.length - 1].push(i);
    rows += n;
  });
  return steps;
}

/**
 * One step of whole sentences (native pack_step).
 * @param {number[][]} sentences
 * @param {Sampling} sampling  Unused by an encoder's kernels; outputs carry one because the control layout has it.
 * @returns {import('./batch.js').Step}
 */
export function packStep(sentences, sampling) {
  /** @type {import('./batch.js').Row[]} */
  const rows = [];
  /** @type {import('./batch.js').Output[]} */
  const outputs = [];
  sentences.forEach((ids, slot) => {
    ids.forEach((token, pos) => rows.push({ slot, pos, token }));
    outputs.push({ row: rows.length - 1, sampling, step: 0 });
  });
  return { rows, outputs };
}

export class WebEncoder {
  /**
   * Use WebEncoder.load.
   * @param {{manifest: any, baseUrl: string, gpu: import('./device.js').ModelDevice, stage: Stage,
   *          codec: import('./tokenizer.js').TextCodec, loadStats: import('./stage.js').LoadStats}} parts
   */
  constructor(parts) {
    this.manifest = parts.manifest;
    this.baseUrl = parts.baseUrl;
    this.gpu = parts.gpu;
    this.device = parts.gpu.device;
    this.adapterName = parts.gpu.adapterName;
    this.stage = parts.stage;
    this.ws = parts.stage.ws;
    this.variant = this.ws.variant;
    this.codec = parts.codec;
    this.modelId = parts.manifest.model.id;
    this.config = parts.manifest.model.config;
    /** @type {number} */
    this.dim = this.config.d_model;
    /** @type {number} Longest text in tokens, [CLS] and [SEP] included. */
    this.maxTokens = parts.manifest.limits.max_context;
    this.loadStats = parts.loadStats;
    this.sampling = Sampling.defaults(parts.manifest);
    this.busy = false;
  }

  /**
   * Load an encoder artifact directory (e.g. "/artifacts/minilm/") onto this tab's GPU.
   * @param {string} baseUrl
   * @param {{variant?: string | null, signal?: AbortSignal, useCache?: boolean,
   *          onProgress?: (loadedBytes: number, totalBytes: number) => void,
   *          onLost?: (info: GPUDeviceLostInfo) => void}} [options]
   * @returns {Promise<WebEncoder>}
   */
  static async load(baseUrl, options = {}) {
    const t0 = performance.now();
    const manifest = await fetchManifest(baseUrl, { signal: options.signal });
    const last = manifest.plan.units[manifest.plan.units.length - 1];
    if (last.role !== 'pool') {
      throw new ArtifactError(`${baseUrl}: ${manifest.model.id} is not an encoder (its plan ends with ${last.name}, ` +
        'not pool); load it with WebModel instead');
    }
    // Every sentence is at least [CLS] [SEP]: a step holds at most max_tokens_per_step / 2 (slots = sentences).
    const slots = Math.max(1, Math.floor(manifest.limits.max_tokens_per_step / 2));
    const gpu = await acquireDevice(manifest, { variant: options.variant, slots, onLost: options.onLost });
    try {
      const [stage, codec] = await Promise.all([
        Stage.load(baseUrl, {
          manifest, gpu, slots, variant: gpu.variant, signal: options.signal, useCache: options.useCache,
          onProgress: options.onProgress,
        }),
        loadTokenizer(baseUrl, manifest, { signal: options.signal }),
      ]);
      await gpu.device.queue.onSubmittedWorkDone();
      return new WebEncoder({ manifest, baseUrl, gpu, stage, codec,
        loadStats: { ...stage.loadStats, ms: performance.now() - t0 } });
    } catch (e) {
      gpu.device.destroy();
      throw e;
    }
  }

  /**
   * Token ids per text ([CLS] ... [SEP]), cut to maxTokens; `tokens` keeps the uncut count.
   * @param {string[]} texts
   * @returns {Encoded[]}
   */
  encode(texts) {
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) {
      throw new TypeError('encode takes an array of strings');
    }
    return texts.map((t) => {
      const ids = this.codec.encode(t);
      const cut = truncate(ids, this.maxTokens);
      return { ids: cut, tokens: ids.length, truncated: cut.length < ids.length };
    });
  }

  /**
   * One Float32Array of `dim` values per text (unit length when the model normalizes). A text longer than
   * maxTokens is cut to it, or refused with {truncate: false}.
   * @param {string[]} texts
   * @param {{truncate?: boolean}} [options]
   * @returns {Promise<Float32Array[]>}
   */
  async embed(texts, options = {}) {
    const encoded = this.encode(texts);
    if (options.truncate === false) {
      const i = encoded.findIndex((e) => e.truncated);
      if (i >= 0) {
        throw new RangeError(`text ${i} is ${encoded[i].tokens} tokens; ${this.modelId} embeds at most ` +
          `${this.maxTokens} (leave truncate on to cut it)`);
      }
    }
    return this.embedIds(encoded.map((e) => e.ids));
  }

  /**
   * Embeddings of token-id lists (each 1..maxTokens ids), in as few packed steps as fit. One call at a time.
   * @param {number[][]} sentences
   * @returns {Promise<Float32Array[]>}
   */
  async embedIds(sentences) {
    sentences.forEach((s, i) => {
      if (!(s.length >= 1 && s.length <= this.maxTokens)) {
        throw new RangeError(`sentence ${i} has ${s.length} tokens; ${this.modelId} takes 1..${this.maxTokens}`);
      }
    });
    if (this.busy) throw new Error('this encoder is already embedding (one call at a time)');
    this.busy = true;
    try {
      const ws = this.ws;
      const dev = this.device;
      const out = this.stage.output;
      /** @type {Float32Array[]} */
      const result = new Array(sentences.length);
      const plan = planSteps(sentences.map((s) => s.length), ws.maxRows, ws.maxOutputs);
      /** @type {Array<{idx: number[], done: Promise<ArrayBuffer[]>}>} */
      const pending = [];
      for (const idx of plan) {
        const step = packStep(idx.map((i) => sentences[i]), this.sampling);
        checkStep(step, ws.limits);
        const nbytes = idx.length * out.row_bytes;
        const rb = ws.readback(nbytes);
        dev.pushErrorScope('validation');
        let scope;
        try {
          ws.writeStep(step);
          const enc = dev.createCommandEncoder();
          const pass = enc.beginComputePass();
          this.stage.record(pass, step.rows.length, step.outputs.length);
          pass.end();
          enc.copyBufferToBuffer(ws.buffer(out.buffer), 0, rb, 0, nbytes);
          dev.queue.submit([enc.finish()]);
        } finally {
          scope = dev.popErrorScope();
        }
        pending.push({ idx, done: ws.settle(scope, [{ rb, nbytes }], this.stage.span) });
      }
      // All at once: a failed step rejects the call, and no other step's rejection goes unhandled.
      const read = await Promise.all(pending.map((p) => p.done));
      pending.forEach(({ idx }, j) => {
        const rows = new Float32Array(read[j][0]);
        idx.forEach((i, k) => { result[i] = rows.slice(k * this.dim, (k + 1) * this.dim); });
      });
      return result;
    } finally {
      this.busy = false;
    }
  }

  /** Release the GPU device (the tab keeps no model memory afterwards). */
  destroy() {
    this.stage.destroy();
    this.ws.destroy();
    this.device.destroy();
  }
}
