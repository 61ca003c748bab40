/**
 * The generation loop, written once per language: sequences in, token ids out, over any chain of stages (a
 * "runner"). The JS twin of compiler/native/engine.py, line for line: the same planning order, chunking rule,
 * lookahead, slot table and prefix reuse, and finish reasons, so a tab and a native process plan the same steps.
 *
 * WebModel.generate drives this Engine; only the runner differs (stage.js LocalChain on one device, RelayChain
 * through host memory, or stages elsewhere). Each `await step()` plans one step of rows, submits it, and collects
 * the oldest step in flight:
 *
 *   * chunked prefill: a prompt runs in chunks of at most maxRows rows, smaller while other sequences decode;
 *   * batched decode: every decoding sequence adds one row per step, each at its own position in its own slot;
 *   * lookahead: on a runner that chains steps on the GPU, a decoding row takes its token straight from the
 *     previous step's sampled ids (`src`), so step t+1 is submitted before step t is read back;
 *   * KV-prefix reuse per slot: a new sequence takes the free slot whose cached tokens share the longest prefix
 *     with its prompt and prefills only the rest;
 *   * stop at EOS, at maxTokens, or at the end of the context; a cancelled sequence leaves at the next step.
 *
 * Greedy outputs do not depend on what else is batched: every kernel computes each row on its own.
 * Not re-entrant: one caller awaits step() at a time.
 *
 * Plain ES module, no module-level state.
 */

/**
 * @typedef {import('./batch.js').Step} Step
 * @typedef {import('./batch.js').Row} Row
 * @typedef {import('./batch.js').Output} Output
 * @typedef {import('./batch.js').SamplingSettings} SamplingSettings
 */

/**
 * A chain of stages covering the whole model, embed to sample (stage.js LocalChain / RelayChain).
 * @typedef {object} Runner
 * @property {number} maxRows       Rows per step.
 * @property {number} maxOutputs    Sampled outputs per step.
 * @property {number} slots
 * @property {number} context       KV-cache rows per slot.
 * @property {number} vocab
 * @property {boolean} chainable    Rows may name the previous step's outputs (`src`).
 * @property {SamplingSettings} defaultSampling  The manifest's params.defaults, for sequences that name none.
 * @property {(step: Step, keepLogits?: number[]) => any} submit
 * @property {(handle: any) => Promise<{ids: number[], logits: Float32Array[] | null}>} collect
 */

/** One generation request. The engine fills in the fields below `keepLogits`. */
export class Sequence {
  /**
   * @param {ArrayLike<number>} prompt
   * @param {{maxTokens?: number, sampling?: SamplingSettings | null, stopAtEos?: boolean, keepLogits?: boolean}}
   *   [options]  sampling: default the runner's (the manifest's params.defaults); keepLogits: keep the logits of
   *   the first output (tests).
   */
  constructor(prompt, { maxTokens = 64, sampling = null, stopAtEos = true, keepLogits = false } = {}) {
    /** @type {number[]} */
    this.prompt = Array.from(prompt);
    this.maxTokens = maxTokens;
    /** @type {SamplingSettings | null} */
    this.sampling = sampling;
    this.stopAtEos = stopAtEos;
    this.keepLogits = keepLogits;
    // ---
    /** @type {number[]} sampled ids delivered so far (an EOS id included) */
    this.outputs = [];
    /** @type {string | null} "eos" | "length" | "context" | "cancelled" | "error" */
    this.finish = null;
    /** @type {number | null} */
    this.slot = null;
    this.reused = 0;              // prompt tokens whose KV the slot already held
    /** @type {Float32Array | null} */
    this.firstLogits = null;
    this.tAdded = 0;
    this.tFirst = 0;              // first output delivered
    this.tLast = 0;               // last output delivered
    this.cancelled = false;
    // internal bookkeeping
    this.nextPrompt = 0;          // next prompt index to submit
    this.requested = 0;           // outputs requested from submitted steps
    this.fed = 0;                 // outputs consumed as input by submitted decode rows
    this.inflight = 0;            // steps in flight with rows of this sequence
    /** @type {Map<number, number>} output index -> step id that will produce it */
    this.pending = new Map();
  }

  /** Finished and nothing of it in flight: its slot is free again. */
  get done() {
    return this.finish !== null && this.inflight === 0;
  }

  get prefilled() {
    return this.nextPrompt - this.reused;
  }
}

/** Which slots are free and which token ids each slot's KV cache holds (positions 0..n-1). */
export class SlotTable {
  /** @param {number} slots */
  constructor(slots) {
    /** @type {number[][]} */
    this.cached = Array.from({ length: slots }, () => []);
    /** @type {number[]} */
    this.free = Array.from({ length: slots }, (_, i) => i);
    this.usedAt = new Array(slots).fill(0);
  }

  /**
   * The free slot with the longest cached prefix of `prompt` (least recently used on ties), and how many prompt
   * tokens it can skip (never the last one: its logits give the first output).
   * @param {number[]} prompt
   * @returns {[number, number]}
   */
  acquire(prompt) {
    let best = this.free[0];
    let bestKey = [commonPrefix(this.cached[best], prompt), -this.usedAt[best]];
    for (const s of this.free.slice(1)) {
      const key = [commonPrefix(this.cached[s], prompt), -this.usedAt[s]];
      if (key[0] > bestKey[0] || (key[0] === bestKey[0] && key[1] > bestKey[1])) {
        best = s;
        bestKey = key;
      }
    }
    this.free.splice(this.free.indexOf(best), 1);
    const start = Math.min(commonPrefix(this.cached[best], prompt), prompt.length - 1);
    this.cached[best] = prompt.slice(0, start);
    return [best, start];
  }

  /**
   * @param {number} slot
   * @param {number[]} cached
   */
  release(slot, cached) {
    this.cached[slot] = cached;
    this.usedAt[slot] = performance.now();
    this.free.push(slot);
  }

  /** Drop every cached prefix (after a failed step, or to measure cold prefill). */
  forget() {
    this.cached = this.cached.map(() => []);
  }
}

class Plan {
  constructor() {
    /** @type {Row[]} */
    this.rows = [];
    /** @type {Output[]} */
    this.outputs = [];
    /** @type {Array<[Sequence, number]>} per output: (sequence, output index) */
    this.outSeqs = [];
    /** @type {Sequence[]} sequences with rows in the step */
    this.seqs = [];
    /** @type {Array<[Sequence, number]>} prompt tokens each sequence runs */
    this.prefill = [];
    /** @type {number[]} outputs whose logits are kept */
    this.keep = [];
  }

  /**
   * @param {Row} row
   * @param {Sequence} seq
   */
  addRow(row, seq) {
    this.rows.push(row);
    if (!this.seqs.includes(seq)) this.seqs.push(seq);
  }

  /**
   * @param {Sequence} seq
   * @param {number} j
   */
  addOutput(seq, j) {
    this.outputs.push({ row: this.rows.length - 1, sampling: /** @type {SamplingSettings} */ (seq.sampling), step: j });
    this.outSeqs.push([seq, j]);
  }
}

/**
 * @typedef {object} Submitted
 * @property {number} id
 * @property {any} handle
 * @property {Array<[Sequence, number]>} outputs  per output: (sequence, its output index)
 * @property {Sequence[]} seqs
 * @property {number[]} keep
 */

/** Continuous batching over one runner. */
export class Engine {
  /**
   * @param {Runner} runner
   * @param {{eosIds?: Iterable<number>, lookahead?: number | null, prefillChunk?: number | null}} [options]
   */
  constructor(runner, { eosIds = [], lookahead = null, prefillChunk = null } = {}) {
    this.runner = runner;
    this.eosIds = new Set(eosIds);
    // Steps planned before the oldest in flight is read: 1 keeps the GPU busy while the CPU waits on a readback.
    this.lookahead = lookahead == null ? (runner.chainable ? 1 : 0) : lookahead;
    if (lookahead && !runner.chainable) throw new RangeError('lookahead needs a runner that chains steps on the device');
    // Prefill rows per step while other sequences decode (alone, a prompt takes whole steps of maxRows).
    this.prefillChunk = prefillChunk || Math.max(1, Math.floor(runner.maxRows / 4));
    this.slots = new SlotTable(runner.slots);
    /** @type {Sequence[]} */
    this.waiting = [];
    /** @type {Sequence[]} */
    this.running = [];
    /** @type {Submitted[]} */
    this.inflight = [];
    this.stepId = 0;
    /** @type {number | null} */
    this.lastSubmitted = null;
    this.stats = { steps: 0, rows: 0, outputs: 0 };
  }

  // ------------------------------------------------------------ requests

  /**
   * Queue a sequence (it is admitted to a slot at the next step).
   * @param {Sequence} seq
   */
  add(seq) {
    const r = this.runner;
    if (!seq.prompt.length) throw new RangeError('the prompt is empty');
    if (seq.prompt.length >= r.context) {
      throw new RangeError(`prompt of ${seq.prompt.length} tokens does not fit the context of ${r.context} tokens ` +
        '(max_context of the artifact)');
    }
    const bad = seq.prompt.find((t) => !Number.isInteger(t) || t < 0 || t >= r.vocab);
    if (bad !== undefined) throw new RangeError(`token id ${bad} is outside the vocabulary (0..${r.vocab - 1})`);
    if (!Number.isInteger(seq.maxTokens) || seq.maxTokens < 1) {
      throw new RangeError(`max_tokens must be >= 1, got ${seq.maxTokens}`);
    }
    seq.sampling ??= r.defaultSampling;
    seq.tAdded = performance.now();
    this.waiting.push(seq);
    return seq;
  }

  /**
   * Stop `seq` at the next step; its slot is freed once its steps in flight are read.
   * @param {Sequence} seq
   */
  cancel(seq) {
    seq.cancelled = true;
    const i = this.waiting.indexOf(seq);
    if (i >= 0) {
      this.waiting.splice(i, 1);
      seq.finish = 'cancelled';
    }
  }

  get idle() {
    return !this.waiting.length && !this.running.length && !this.inflight.length;
  }

  // ------------------------------------------------------------ the loop

  /**
   * Plan and submit one step if anything can run, and read the oldest step in flight when the lookahead is full
   * or nothing new could be planned. Resolves to the [sequence, token id] pairs delivered, in order.
   * @returns {Promise<Array<[Sequence, number]>>}
   */
  async step() {
    this.admit();
    const plan = this.plan();
    if (plan !== null) this.submit(plan);
    /** @type {Array<[Sequence, number]>} */
    let events = [];
    if (this.inflight.length && (this.inflight.length > this.lookahead || plan === null)) {
      events = await this.collect();
    }
    this.retire();
    return events;
  }

  /**
   * Read every step in flight (nothing new is planned).
   * @returns {Promise<Array<[Sequence, number]>>}
   */
  async drain() {
    const events = [];
    while (this.inflight.length) events.push(...await this.collect());
    this.retire();
    return events;
  }

  /**
   * Whether output j of `seq` may be produced: under maxTokens, and prompt + outputs within the context.
   * @param {Sequence} seq
   * @param {number} j
   */
  allowed(seq, j) {
    return j < seq.maxTokens && seq.prompt.length + j < this.runner.context;
  }

  admit() {
    while (this.waiting.length && this.slots.free.length) {
      const seq = /** @type {Sequence} */ (this.waiting.shift());
      [seq.slot, seq.reused] = this.slots.acquire(seq.prompt);
      seq.nextPrompt = seq.reused;
      this.running.push(seq);
    }
  }

  /** @returns {Plan | null} */
  plan() {
    const r = this.runner;
    const plan = new Plan();
    // Decode rows first: one per sequence whose next input token is known or is being sampled right now.
    for (const seq of this.running) {
      if (seq.finish !== null || seq.cancelled || seq.nextPrompt < seq.prompt.length) continue;
      const k = seq.fed; // the output this row consumes; it produces output k + 1
      if (k >= seq.requested || !this.allowed(seq, k + 1)) continue;
      if (plan.rows.length >= r.maxRows || plan.outputs.length >= r.maxOutputs) break;
      const slot = /** @type {number} */ (seq.slot);
      let row;
      if (k < seq.outputs.length) {
        row = { slot, pos: seq.prompt.length + k, token: seq.outputs[k] };
      } else if (r.chainable && seq.pending.get(k) === this.lastSubmitted) {
        row = { slot, pos: seq.prompt.length + k, src: this.srcIndex(seq, k) };
      } else {
        continue; // its token comes from an older step still in flight
      }
      plan.addRow(row, seq);
      plan.addOutput(seq, k + 1);
    }
    // Then prompt chunks, oldest first, in what is left; beside decode rows at most prefillChunk of them.
    let budget = r.maxRows - plan.rows.length;
    if (plan.rows.length) budget = Math.min(budget, this.prefillChunk);
    for (const seq of this.running) {
      if (budget <= 0) break;
      if (seq.finish !== null || seq.cancelled || seq.nextPrompt >= seq.prompt.length) continue;
      let n = Math.min(budget, seq.prompt.length - seq.nextPrompt);
      let ends = seq.nextPrompt + n === seq.prompt.length;
      if (ends && plan.outputs.length >= r.maxOutputs) {
        n -= 1; // no output left in this step: stop one short, the last token runs next step
        ends = false;
        if (n <= 0) continue;
      }
      for (let i = seq.nextPrompt; i < seq.nextPrompt + n; i += 1) {
        plan.addRow({ slot: /** @type {number} */ (seq.slot), pos: i, token: seq.prompt[i] }, seq);
      }
      plan.prefill.push([seq, n]);
      budget -= n;
      if (ends) {
        if (seq.keepLogits) plan.keep.push(plan.outputs.length);
        plan.addOutput(seq, 0);
      }
    }
    return plan.rows.length ? plan : null;
  }

  /**
   * @param {Sequence} seq
   * @param {number} k
   */
  srcIndex(seq, k) {
    const last = /** @type {Submitted} */ (this.inflight.at(-1));
    return last.outputs.findIndex(([s, j]) => s === seq && j === k);
  }

  /** @param {Plan} plan */
  submit(plan) {
    /** @type {Step} */
    const step = { rows: plan.rows, outputs: plan.outputs };
    let handle;
    try {
      handle = this.runner.submit(step, plan.keep);
    } catch (e) {
      this.fail(plan.seqs);
      throw e;
    }
    this.stepId += 1;
    const sid = this.stepId;
    for (const seq of plan.seqs) seq.inflight += 1;
    for (const [seq, n] of plan.prefill) seq.nextPrompt += n;
    for (const [seq, j] of plan.outSeqs) {
      seq.pending.set(j, sid);
      seq.requested = j + 1;
      if (j > 0) seq.fed = j; // the decode row that produces output j consumed output j - 1
    }
    this.inflight.push({ id: sid, handle, outputs: plan.outSeqs, seqs: plan.seqs, keep: plan.keep });
    this.lastSubmitted = sid;
    this.stats.steps += 1;
    this.stats.rows += step.rows.length;
    this.stats.outputs += step.outputs.length;
  }

  /** @returns {Promise<Array<[Sequence, number]>>} */
  async collect() {
    const sub = /** @type {Submitted} */ (this.inflight.shift());
    let ids;
    let logits;
    try {
      ({ ids, logits } = await this.runner.collect(sub.handle));
    } catch (e) {
      this.fail(sub.seqs);
      for (const seq of sub.seqs) seq.inflight -= 1;
      this.retire();
      throw e;
    }
    const now = performance.now();
    /** @type {Array<[Sequence, number]>} */
    const events = [];
    sub.outputs.forEach(([seq, j], o) => {
      seq.pending.delete(j);
      if (seq.finish !== null) return; // a row planned before we learned it had stopped: its output is dropped
      if (sub.keep.includes(o) && logits) seq.firstLogits = logits[sub.keep.indexOf(o)];
      const tok = ids[o];
      seq.outputs.push(tok);
      seq.tFirst = seq.tFirst || now;
      seq.tLast = now;
      events.push([seq, tok]);
      if (seq.stopAtEos && this.eosIds.has(tok)) seq.finish = 'eos';
      else if (!this.allowed(seq, j + 1)) seq.finish = j + 1 >= seq.maxTokens ? 'length' : 'context';
    });
    for (const seq of sub.seqs) seq.inflight -= 1;
    return events;
  }

  /** Free the slots of sequences that are finished (or cancelled) and have nothing in flight. */
  retire() {
    for (const seq of [...this.running]) {
      if (seq.cancelled && seq.finish === null && seq.inflight === 0) seq.finish = 'cancelled';
      if (seq.done) {
        this.running.splice(this.running.indexOf(seq), 1);
        const promptDone = seq.nextPrompt >= seq.prompt.length;
        const cached = seq.prompt.slice(0, seq.nextPrompt).concat(promptDone ? seq.outputs.slice(0, seq.fed) : []);
        this.slots.release(/** @type {number} */ (seq.slot), cached);
      }
    }
  }

  /**
   * A step failed: its sequences end ("error") and what their slots hold is unknown, so nothing of it is reused.
   * The caller sees the exception.
   * @param {Sequence[]} seqs
   */
  fail(seqs) {
    for (const seq of seqs) {
      seq.finish = 'error';
      seq.nextPrompt = 0;
      seq.fed = 0;
    }
  }
}

/**
 * Length of the common prefix of two id lists.
 * @param {number[]} a
 * @param {number[]} b
 */
function commonPrefix(a, b) {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n += 1;
  return n;
}
