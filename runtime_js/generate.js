/**
 * A compiled model in a browser tab: artifact URL -> **WebModel** (device, a chain of stages, the generation loop,
 * the tokenizer) -> streamed token ids. The browser twin of compiler/native/model.py's Model, running the same
 * manifest, WGSL and shards, with the same engine (engine.js), so greedy tokens are identical.
 *
 * Load overlaps its slow parts: shard download/cache reads (uploaded to the GPU shard by shard, then dropped),
 * pipeline compilation, and the tokenizer. Generation keeps everything but token ids on the GPU: the sample kernel
 * writes the next ids into `sampled`, where the next step's embedding reads them, so decode step t+1 is submitted
 * before step t's ids are read back.
 *
 * Plain ES module, no module-level state.
 */
import { fetchManifest } from './artifact.js';
import { Sampling } from './batch.js';
import { acquireDevice } from './device.js';
import { Engine, Sequence } from './engine.js';
import { LocalChain, RelayChain } from './chain.js';
import { loadTokenizer } from './tokenizer.js';

/** @typedef {import('./stage.js').LoadStats} LoadStats */

/**
 * @typedef {object} GenerationStats
 * @property {number} promptTokens
 * @property {number} prefilledTokens Prompt tokens actually run (the rest were already in the KV cache).
 * @property {number} prefillMs     Prompt in, first token id out.
 * @property {number} decodeTokens  Tokens after the first.
 * @property {number} decodeMs
 * @property {number} decodeTokS
 * @property {string} stopReason    "eos" | "max_tokens" | "max_context" | "abort" ("error" if a step failed)
 * @property {Float32Array | null} firstLogits  The prompt's last-position logits, with keepLogits.
 */

// The engine's finish reasons, in the words this API has always used.
const STOP_REASONS = { eos: 'eos', length: 'max_tokens', context: 'max_context', cancelled: 'abort', error: 'error' };

export class WebModel {
  /**
   * Use WebModel.load.
   * @param {{manifest: any, baseUrl: string, gpu: import('./device.js').ModelDevice,
   *          chain: LocalChain | RelayChain, codec: import('./tokenizer.js').TextCodec, loadStats: LoadStats}} parts
   */
  constructor(parts) {
    this.manifest = parts.manifest;
    this.baseUrl = parts.baseUrl;
    this.gpu = parts.gpu;
    this.device = parts.gpu.device;
    this.adapterName = parts.gpu.adapterName;
    this.chain = parts.chain;
    this.variant = parts.chain.stages[0].ws.variant;
    /** The autotuner's record when this load timed the candidate variants (LocalChain.autotune), else null. */
    this.autotune = /** @type {any} */ (parts.chain).autotune ?? null;
    this.codec = parts.codec;
    this.modelId = parts.manifest.model.id;
    this.config = parts.manifest.model.config;
    this.maxContext = parts.manifest.limits.max_context;
    this.maxStepTokens = parts.manifest.limits.max_tokens_per_step;
    this.engine = new Engine(parts.chain, { eosIds: parts.manifest.tokenizer.eos_ids ?? [] });
    /** @type {LoadStats} */
    this.loadStats = parts.loadStats;
    /** @type {GenerationStats | null} */
    this.stats = null;
    this.busy = false;
  }

  /**
   * Load an artifact directory (e.g. "/artifacts/smollm2/") onto this tab's GPU.
   * @param {string} baseUrl
   * @param {{slots?: number | null, split?: number[] | null, relay?: boolean, variant?: string | null, autotune?: boolean,
   *          onProgress?: (loadedBytes: number, totalBytes: number) => void, signal?: AbortSignal,
   *          useCache?: boolean, onLost?: (info: GPUDeviceLostInfo) => void}} [options]
   *   slots: sequence slots (KV caches) to hold (default: what the manifest's default_slots and the adapter allow).
   *   split: cut the model before these layers into stages; they are relayed through host memory in the wire
   *     format unless relay is false (then they share one workspace and one compute pass per step).
   *   variant: force a kernel variant, e.g. "cpu" or "gpu" (default: the manifest's variant_choice rules, or the
   *     autotuner's choice among the candidates they name; autotune: false keeps the rules' choice).
   *   onLost: the device was lost after loading (driver reset, out of memory): the model is unusable.
   * @returns {Promise<WebModel>}
   */
  static async load(baseUrl, options = {}) {
    const t0 = performance.now();
    const manifest = await fetchManifest(baseUrl, { signal: options.signal });
    const gpu = await acquireDevice(manifest, { variant: options.variant, slots: options.slots, onLost: options.onLost });
    try {
      const stageOptions = {
        manifest, gpu, slots: gpu.slots, variant: options.variant ?? null, signal: options.signal,
        useCache: options.useCache, onProgress: options.onProgress, autotune: options.autotune,
      };
      const relay = options.split?.length && options.relay !== false;
      const [chain, codec] = await Promise.all([
        relay ? RelayChain.load(baseUrl, /** @type {number[]} */ (options.split), stageOptions)
          : LocalChain.load(baseUrl, { ...stageOptions, split: options.split ?? undefined }),
        loadTokenizer(baseUrl, manifest, { signal: options.signal }),
      ]);
      await gpu.device.queue.onSubmittedWorkDone();
      const loadStats = { ...chain.loadStats, ms: performance.now() - t0 };
      return new WebModel({ manifest, baseUrl, gpu, chain, codec, loadStats });
    } catch (e) {
      gpu.device.destroy();
      throw e;
    }
  }

  /** Sequence slots (KV caches) this model holds. */
  get slots() {
    return this.chain.slots;
  }

  /** What generate() samples with when the caller says nothing: the manifest's params.defaults. */
  get defaultSampling() {
    return Sampling.defaults(this.manifest);
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

  /**
   * Prompt ids for chat messages, where only the template can produce special tokens (control-token text inside
   * a message stays plain text, so no message can forge a turn), as compiler/native/model.py's encode_chat.
   * @param {import('./tokenizer.js').ChatMessage[]} messages
   */
  encodeChat(messages) {
    return this.codec.encodeChat(messages);
  }

  /** @returns {Set<number>} */
  get eosIds() {
    return this.codec.eosIds;
  }

  /**
   * Stream generated token ids: the first comes from the prompt's last position; stops at EOS, at maxTokens, at
   * the end of the context, or when `signal` aborts (then quietly, with stats.stopReason "abort"). An abort takes
   * effect at the next step boundary: during a long prompt, after the prefill chunk in flight.
   * Same semantics as compiler/native/model.py's Model.generate (one sequence through the engine): a prompt that
   * starts with what a slot's KV cache holds (the next chat turn) prefills only the rest.
   * Sampling settings not given are the manifest's params.defaults.
   * @param {number[]} promptIds
   * @param {{maxTokens?: number, temperature?: number, topK?: number, topP?: number, seed?: number,
   *          signal?: AbortSignal, stopAtEos?: boolean, keepLogits?: boolean}} [options]
   * @returns {AsyncGenerator<number, void, void>}
   */
  async *generate(promptIds, options = {}) {
    const { maxTokens = 64, signal, stopAtEos = true, keepLogits = false } = options;
    if (!Number.isInteger(maxTokens) || maxTokens < 1) {
      throw new RangeError(`maxTokens must be an integer >= 1, got ${maxTokens}`);
    }
    const { temperature, topK, topP, seed } = options;
    if (temperature !== undefined && !(temperature >= 0)) throw new RangeError(`temperature must be >= 0, got ${temperature}`);
    if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${topP}`);
    if (topK !== undefined && (!Number.isInteger(topK) || topK < 0)) {
      throw new RangeError(`topK must be an integer >= 0, got ${topK}`);
    }
    const sampling = new Sampling(this.manifest.params.defaults, { temperature, top_k: topK, top_p: topP, seed });
    if (this.busy) throw new Error('this model is already generating (one generation at a time)');
    const t0 = performance.now();
    const seq = this.engine.add(new Sequence(Array.from(promptIds), { maxTokens, sampling, stopAtEos, keepLogits }));
    this.busy = true;
    /** @type {GenerationStats} */
    const stats = {
      promptTokens: seq.prompt.length, prefilledTokens: 0, prefillMs: 0, decodeTokens: 0, decodeMs: 0, decodeTokS: 0,
      stopReason: '', firstLogits: null,
    };
    this.stats = stats;
    let delivered = 0;
    let aborted = false;
    try {
      while (delivered < seq.outputs.length || seq.finish === null) {
        // Checked before every step, so an abort stops a long prefill after the chunk in flight.
        if (signal?.aborted) {
          aborted = true;
          break;
        }
        if (delivered === seq.outputs.length) {
          await this.engine.step();
          continue;
        }
        const tok = seq.outputs[delivered];
        delivered += 1;
        if (delivered === 1) {
          stats.prefillMs = seq.tFirst - t0;
          stats.prefilledTokens = seq.prefilled;
          stats.firstLogits = seq.firstLogits;
        } else {
          stats.decodeTokens = delivered - 1;
          stats.decodeMs = seq.tLast - seq.tFirst;
          stats.decodeTokS = stats.decodeMs > 0 ? stats.decodeTokens / (stats.decodeMs / 1000) : 0;
        }
        yield tok;
      }
    } finally {
      // A consumer that stops early (or an abort) cancels the sequence; the steps in flight are read before the
      // next generation, so the slot's KV cache can be reused by the next prompt.
      if (seq.finish === null) this.engine.cancel(seq);
      try {
        await this.engine.drain();
      } finally {
        stats.prefilledTokens = seq.prefilled;
        stats.stopReason = aborted ? 'abort' : STOP_REASONS[/** @type {keyof STOP_REASONS} */ (seq.finish)] ?? 'abort';
        this.busy = false;
      }
    }
  }

  /** Release the GPU device (the tab keeps no model memory afterwards). */
  destroy() {
    this.chain.destroy();
    this.device.destroy();
  }
}
