/**
 * One step of a stage: which rows it runs (sequence slot, position, token) and which of them sample an output.
 *
 * engine.js plans steps -> **Step** -> packed here into the `ctl` words and `params` uniform the kernels read
 * (layout from the manifest's `params`, written by compiler/kernels.py) -> stage.js uploads them. The JS twin of
 * compiler/native/batch.py, byte for byte; error messages are the same sentences.
 *
 *   Row     {slot, pos, token} or {slot, pos, src}: src = "the id output `src` of the previous step sampled",
 *           read on the GPU (decode lookahead)
 *   Output  {row, sampling, step}: a row whose logits are kept and sampled, with its sequence's decode step
 *   Step    {rows, outputs}
 *
 * Plain ES module, no module-level state.
 */

/**
 * @typedef {object} SamplingSettings  The manifest's params.defaults names, so one name holds everywhere.
 * @property {number} temperature  0 = greedy
 * @property {number} top_k        0 = off
 * @property {number} top_p        1 = off
 * @property {number} seed
 */

/**
 * How one output picks its token: greedy when temperature is 0, else temperature -> top-k -> top-p -> a draw
 * seeded by (seed, step). Immutable. Defaults are the manifest's params.defaults, never constants of this file.
 */
export class Sampling {
  /**
   * @param {SamplingSettings} defaults        manifest.params.defaults
   * @param {Partial<SamplingSettings>} [settings]  Fields that differ from the defaults (undefined = default).
   */
  constructor(defaults, settings = {}) {
    const pick = (k) => (settings[k] === undefined ? defaults[k] : settings[k]);
    /** @type {number} */ this.temperature = pick('temperature');
    /** @type {number} */ this.top_k = pick('top_k');
    /** @type {number} */ this.top_p = pick('top_p');
    /** @type {number} */ this.seed = pick('seed');
    const t = this.temperature;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
      throw new RangeError(`temperature must be a finite number >= 0, got ${t}`);
    }
    if (!(this.top_p > 0 && this.top_p <= 1)) throw new RangeError(`top_p must be in (0, 1], got ${this.top_p}`);
    if (!Number.isInteger(this.top_k) || this.top_k < 0) {
      throw new RangeError(`top_k must be an integer >= 0, got ${this.top_k}`);
    }
    if (!Number.isInteger(this.seed)) throw new RangeError(`seed must be an integer, got ${this.seed}`);
    Object.freeze(this);
  }

  /**
   * What a caller that says nothing about sampling gets: the manifest's params.defaults.
   * @param {any} manifest
   */
  static defaults(manifest) {
    return new Sampling(manifest.params.defaults);
  }
}

/**
 * @typedef {object} Row
 * @property {number} slot    Which sequence's KV cache the row reads and writes.
 * @property {number} pos     Its position in that sequence.
 * @property {number} [token] Its token id, known to the CPU ...
 * @property {number} [src]   ... or the output of the previous step whose sampled id it takes (on the GPU).
 */

/**
 * @typedef {object} Output
 * @property {number} row     The row whose logits this output takes (the last row of its sequence in the step).
 * @property {SamplingSettings} sampling
 * @property {number} step    The sequence's decode step, mixed into the sampling RNG.
 */

/**
 * @typedef {object} Step
 * @property {Row[]} rows
 * @property {Output[]} outputs
 */

/**
 * @typedef {object} StepLimits
 * @property {number} maxRows     Rows per step (max_tokens_per_step).
 * @property {number} maxOutputs  Outputs per step of this stage.
 * @property {number} slots
 * @property {number} context
 * @property {number} vocab
 * @property {boolean} [needsTokens]  false for a stage that takes activations: its rows need no token (default true)
 */

/** @param {unknown} v @param {number} n */
const below = (v, n) => Number.isInteger(v) && /** @type {number} */ (v) >= 0 && /** @type {number} */ (v) < n;

/**
 * Throw a RangeError naming the first row or output a stage with these limits cannot run (batch.py Step.check).
 * A stage that does not start with embed takes activations, so its rows need no token (limits.needsTokens false):
 * a swarm step reaches such a stage with NO_TOKEN rows (protocol.js).
 * @param {Step} step
 * @param {StepLimits} limits
 */
export function checkStep(step, { maxRows, maxOutputs, slots, context, vocab, needsTokens = true }) {
  const rows = step.rows ?? [];
  const outputs = step.outputs ?? [];
  if (!rows.length) throw new RangeError('a step needs at least one row');
  if (rows.length > maxRows) {
    throw new RangeError(`${rows.length} rows in one step, the artifact allows ${maxRows} (max_tokens_per_step)`);
  }
  if (outputs.length > maxOutputs) {
    throw new RangeError(`${outputs.length} outputs in one step, this stage allows ${maxOutputs}`);
  }
  rows.forEach((r, i) => {
    if (!below(r.slot, slots)) throw new RangeError(`rows[${i}].slot = ${r.slot} is outside the stage's slots 0..${slots - 1}`);
    if (!below(r.pos, context)) throw new RangeError(`rows[${i}].pos = ${r.pos} is outside the context 0..${context - 1}`);
    if ((r.token != null && r.src != null) || (needsTokens && r.token == null && r.src == null)) {
      throw new RangeError(`rows[${i}] needs exactly one of token and src`);
    }
    if (r.token != null && !below(r.token, vocab)) {
      throw new RangeError(`rows[${i}].token = ${r.token} is outside the vocabulary (0..${vocab - 1})`);
    }
    if (r.src != null && !below(r.src, maxOutputs)) throw new RangeError(`rows[${i}].src = ${r.src} names no output of a step`);
  });
  outputs.forEach((o, i) => {
    if (!below(o.row, rows.length)) throw new RangeError(`outputs[${i}].row = ${o.row} names no row of this step`);
  });
}

/**
 * The `params` uniform (manifest params.fields) for a step.
 * @param {{fields: Array<[string, string]>}} layout  manifest.params
 * @param {number} nRows
 * @param {number} nOut
 * @returns {Uint8Array}
 */
export function packParams(layout, nRows, nOut) {
  /** @type {Record<string, number>} */
  const values = { n_rows: nRows, n_out: nOut };
  const out = new Uint8Array(4 * layout.fields.length);
  const view = new DataView(out.buffer);
  layout.fields.forEach(([name, type], i) => putWord(view, i, values[name] ?? 0, type));
  return out;
}

/**
 * The used part of the `ctl` buffer: the row entries, and, from out_offset_words on, the output entries.
 * Returns the bytes to write at offset 0 (rows, then zero padding up to the output region, then the outputs).
 * @param {{ctl: {row_fields: Array<[string, string]>, out_fields: Array<[string, string]>,
 *          out_offset_words: number, no_src: number}}} layout  manifest.params
 * @param {Step} step
 * @returns {Uint8Array}
 */
export function packCtl(layout, step) {
  const ctl = layout.ctl;
  const rows = step.rows;
  const outputs = step.outputs ?? [];
  const rowWords = rows.length * ctl.row_fields.length;
  const words = outputs.length ? ctl.out_offset_words + outputs.length * ctl.out_fields.length : rowWords;
  const out = new Uint8Array(4 * words);
  const view = new DataView(out.buffer);
  rows.forEach((r, i) => {
    /** @type {Record<string, number>} */
    const fields = { slot: r.slot, pos: r.pos, src: r.src == null ? ctl.no_src : r.src };
    ctl.row_fields.forEach(([name, type], f) => putWord(view, i * ctl.row_fields.length + f, fields[name] ?? 0, type));
  });
  outputs.forEach((o, i) => {
    const s = o.sampling;
    /** @type {Record<string, number>} */
    const fields = {
      // Seeds and steps are taken modulo 2^32, as batch.py's `& 0xFFFFFFFF` does (negative seeds included).
      row: o.row, seed: s.seed >>> 0, step: (o.step ?? 0) >>> 0, temperature: s.temperature,
      top_k: Math.min(s.top_k, 0xFFFFFFFF), top_p: s.top_p,
    };
    const base = ctl.out_offset_words + i * ctl.out_fields.length;
    ctl.out_fields.forEach(([name, type], f) => putWord(view, base + f, fields[name] ?? 0, type));
  });
  return out;
}

/**
 * @param {DataView} view
 * @param {number} word
 * @param {number} value
 * @param {string} type  "f32" | "u32"
 */
function putWord(view, word, value, type) {
  if (type === 'f32') view.setFloat32(4 * word, value, true);
  else view.setUint32(4 * word, value, true);
}
