/**
 * A swarm worker in a browser tab: this tab's GPU runs the layers the coordinator assigns it, for a model served to
 * everyone through the server's OpenAI API. The browser twin of compiler/native/worker.py (`webshard worker`): the
 * same messages, frames and heartbeats (protocol.js; server/swarm/protocol.py is the reference).
 *
 * coordinator (server/swarm/, WebSocket /ws/worker) <-> **SwarmWorker** -> stage.js (only the assigned units, their
 * shards through the Cache API) on a device sized for them.
 *
 * Life: hello with the join token -> welcome -> heartbeats start at once -> it measures itself (loads only the probe
 * unit, times one-row steps, probes memory with real allocations up to a cap, since WebGPU reports no VRAM) ->
 * capability -> on assign: loads only that range's shards, reports progress, then ready -> answers STEP frames in
 * order with RESULT frames (f32 activations, or f16 when the assignment's `wire` says so; sampled ids as u32).
 * Test-only switches (`test`) make it slow, small or dishonest, exactly as the native flags do.
 *
 * Plain ES module, no module-level state.
 */
import { fetchManifest } from './artifact.js';
import { tuneStage } from './autotune.js';
import { adapterName } from './device.js';
import { PROBE_CAP, limitsOf, probeMemory, timeSteps, warmUp } from './probe.js';
import { PROTOCOL, packResult, parseMessage, unpackStep } from './protocol.js';
import { Stage, unitNames } from './stage.js';
import { encode as encodeWire } from './wire.js';

// The coordinator evicts a worker past 400 frames in 2 s (server/swarm/workers.py): the Cache API hands over a
// shard in many small chunks, so progress is sent at most this often (and once at the end).
const PROGRESS_EVERY_MS = 250;
const TERMINAL = new Set(['left', 'refused', 'evicted', 'closed', 'error']);

/**
 * @typedef {object} TestSwitches  TEST ONLY, with the meaning of `webshard worker`'s --test-* flags.
 * @property {number} [throttleMs]   Sleep this long per layer per step (not during the probe: a worker that slows
 *                                   down after it joined, which only the coordinator's measurements notice).
 * @property {number} [memoryBytes]  Report this much memory instead of probing it.
 * @property {boolean} [corrupt]     Return wrong results (the coordinator's verification must catch it).
 */

/**
 * @typedef {object} WorkerOptions
 * @property {string} [server]    The server's URL (default: this page's origin).
 * @property {string} token       The join token `webshard serve` printed.
 * @property {string} [name]      A name for the dashboard.
 * @property {string | null} [variant]  Force a kernel variant.
 * @property {boolean} [useCache] Cache API for shards (default true).
 * @property {number} [memoryCap] Probe at most this many bytes (default PROBE_CAP).
 * @property {TestSwitches} [test]
 */

/**
 * @typedef {object} WorkerStatus  What the page shows (and tests read): a snapshot, replaced on every change.
 * @property {string} state   "new" -> "connecting" -> "probing" -> "idle" <-> "loading" -> "ready", then one of
 *                            "left" | "refused" | "evicted" | "closed" | "error" (terminal; `reason` says why).
 * @property {string | null} reason   Why it ended, in words.
 * @property {string | null} workerId The coordinator's id for this worker ("w3").
 * @property {string | null} model
 * @property {string | null} adapter  Adapter name.
 * @property {string | null} variant  Kernel variant it runs.
 * @property {import('./autotune.js').TuneRecord | null} autotune  The autotuner's record when the probe timed the
 *                            candidate variants (null: forced, cached or nothing to choose from).
 * @property {number | null} layerMs  Measured time of one layer-step.
 * @property {number | null} memoryBytes
 * @property {number} assignment
 * @property {{first: string, last: string} | null} range
 * @property {number[]} layers  Layer indices of the range.
 * @property {number} slots
 * @property {{loaded: number, total: number}} progress  Shard bytes of the current assignment.
 * @property {import('./stage.js').LoadStats | null} load
 * @property {string} wire      Activations dtype on its links ("f32" | "f16").
 * @property {number} steps     Steps answered.
 * @property {number} busyMs    Their compute time.
 * @property {number | null} lastStepMs
 * @property {number} bytesIn
 * @property {number} bytesOut
 */

/**
 * TEST ONLY switches from a page's query string: test_throttle_ms, test_memory (bytes), test_corrupt=1. A bad value
 * is a RangeError naming the parameter.
 * @param {URLSearchParams} params
 * @returns {TestSwitches}
 */
export function testSwitchesFromParams(params) {
  const number = (name) => {
    if (!params.has(name)) return 0;
    const v = Number(params.get(name));
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a number >= 0, got ${params.get(name)}`);
    return v;
  };
  const memoryBytes = number('test_memory');
  if (!Number.isInteger(memoryBytes)) throw new RangeError(`test_memory must be whole bytes, got ${memoryBytes}`);
  return { throttleMs: number('test_throttle_ms'), memoryBytes, corrupt: params.get('test_corrupt') === '1' };
}

export class SwarmWorker extends EventTarget {
  /** @param {WorkerOptions} options */
  constructor(options) {
    super();
    if (typeof options?.token !== 'string') throw new TypeError('a SwarmWorker needs the join token (a string)');
    this.options = options;
    this.server = new URL(options.server ?? globalThis.location.origin).origin;
    this.test = { throttleMs: 0, memoryBytes: 0, corrupt: false, ...options.test };
    /** @type {WorkerStatus} */
    this.status = {
      state: 'new', reason: null, workerId: null, model: null, adapter: null, variant: null, autotune: null,
      layerMs: null, memoryBytes: null, assignment: 0, range: null, layers: [], slots: 0,
      progress: { loaded: 0, total: 0 }, load: null, wire: 'f32', steps: 0, busyMs: 0, lastStepMs: null, bytesIn: 0,
      bytesOut: 0,
    };
    /** @type {WebSocket | null} */
    this.ws = null;
    /** @type {Stage | null} */
    this.stage = null;
    this.manifest = null;
    this.base = '';
    /** @type {Promise<void>} Messages are handled one after another: steps are answered in order. */
    this.queue = Promise.resolve();
    /** @type {(() => void) | null} */
    this.stopHeartbeat = null;
    /** @type {((end: {state: string, reason: string}) => void) | null} */
    this.resolveRun = null;
    this.onLost = (/** @type {GPUDeviceLostInfo} */ info) => this.fail(new Error(
      `The GPU device was lost (${info.reason || 'unknown reason'}): ${info.message}. Reload the page to join again.`));
  }

  /** True once the worker has stopped for good. */
  get ended() {
    return TERMINAL.has(this.status.state);
  }

  /**
   * Join the swarm and serve until the connection ends; resolves with the final state and why (never rejects:
   * errors end in state "error" with the message as reason, and are sent to the server).
   * @returns {Promise<{state: string, reason: string}>}
   */
  run() {
    if (this.status.state !== 'new') throw new Error('this SwarmWorker has already run; make a new one');
    const url = `${this.server.replace(/^http/, 'ws')}/ws/worker`;
    this.update({ state: 'connecting' });
    return new Promise((resolve) => {
      this.resolveRun = resolve;
      let ws;
      try {
        ws = new WebSocket(url);
      } catch (e) {
        this.end('error', `could not open ${url}: ${e.message}`);
        return;
      }
      this.ws = ws;
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => this.send({
        type: 'hello', protocol: PROTOCOL, token: this.options.token, kind: 'browser',
        name: (this.options.name || 'browser tab').slice(0, 80),
      });
      ws.onmessage = (event) => {
        const data = event.data;
        if (data instanceof ArrayBuffer) this.update({ bytesIn: this.status.bytesIn + data.byteLength });
        else if (this.verdict(data)) return;
        this.queue = this.queue.then(() => this.handle(data)).catch((e) => this.fail(e));
      };
      ws.onclose = (event) => this.closed(event);
    });
  }

  /** Leave the swarm now: says `leave` (the coordinator moves this worker's layers elsewhere), then closes. */
  leave() {
    if (this.ended) return;
    this.send({ type: 'leave' });
    this.end('left', 'left the swarm');
  }

  // ------------------------------------------------------------------ messages

  /** @param {string | ArrayBuffer} data */
  async handle(data) {
    if (this.ended) return;
    if (data instanceof ArrayBuffer) {
      await this.step(data);
      return;
    }
    const msg = parseMessage(data);
    if (msg.type === 'welcome') await this.welcome(msg);
    else if (msg.type === 'assign') await this.assign(msg);
    // Anything else is not for workers (protocol.py lists what it sends): ignored, as the native worker does.
  }

  /**
   * `refused` and `evicted` end the worker at once, ahead of queued steps (the server closes the socket next, and
   * its close must not be mistaken for a silent one). True when `text` was one of them.
   * @param {string} text
   */
  verdict(text) {
    let msg;
    try {
      msg = parseMessage(text);
    } catch {
      return false;   // handle() reports it in order
    }
    if (msg.type === 'refused') this.end('refused', `the server refused this worker: ${msg.reason ?? 'no reason given'}`);
    else if (msg.type === 'evicted') this.end('evicted', `evicted by the coordinator: ${msg.reason ?? 'no reason given'}`);
    else return false;
    return true;
  }

  /** @param {any} msg */
  async welcome(msg) {
    if (msg.protocol !== PROTOCOL) throw new Error(`the server speaks protocol ${msg.protocol}, this page ${PROTOCOL}`);
    // Heartbeats from now on: measuring and loading take seconds, during which the coordinator must still hear us.
    this.stopHeartbeat = ticker(1000 * Number(msg.heartbeat_s ?? 2), () => this.send({ type: 'heartbeat' }));
    this.base = new URL(msg.model.base, this.server).href;
    this.update({ state: 'probing', workerId: msg.worker_id, model: msg.model.id });
    this.manifest = await fetchManifest(this.base);
    this.send(await this.capability(msg.probe ?? {}));
    this.update({ state: 'idle' });
  }

  /**
   * The capability message: adapter info, limits and features, the kernel variant (where the rules name candidates
   * and none is forced, the autotuner's choice for this adapter: autotune.js tuneStage), a measured per-layer step
   * time (one-row steps of the probe unit, the least disturbed run after a warm-up) and memory from real allocations.
   * @param {{unit?: string, steps?: number}} probe
   */
  async capability(probe) {
    const m = this.manifest;
    const unit = probe.unit ?? m.plan.units.find((u) => u.role === 'layer').name;
    const stage = await Stage.load(this.base, {
      first: unit, last: unit, slots: 1, variant: this.options.variant ?? null, manifest: m,
      useCache: this.options.useCache, onLost: this.onLost,
    });
    const gpu = stage.ws.gpu;
    try {
      // The variant that runs fastest here, chosen before the step time that the planner weighs is measured.
      const autotune = this.options.variant ? null : await tuneStage(stage, this.base);
      const layerMs = await timeSteps(stage, probe.steps ?? 5);
      const memoryBytes = this.test.memoryBytes || await probeMemory(gpu.device, this.options.memoryCap ?? PROBE_CAP);
      const info = gpu.adapter.info;
      this.update({ adapter: gpu.adapterName, variant: stage.ws.variant, autotune, layerMs, memoryBytes });
      return {
        type: 'capability',
        adapter: {
          vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
          name: adapterName(info), type: '', backend: 'WebGPU (browser)',
          fallback: Boolean(/** @type {any} */ (info).isFallbackAdapter ?? /** @type {any} */ (gpu.adapter).isFallbackAdapter),
        },
        features: [...gpu.adapter.features].sort(),
        limits: limitsOf(gpu.adapter.limits),
        variant: stage.ws.variant, layer_ms: layerMs, memory_bytes: memoryBytes,
      };
    } finally {
      stage.destroy();
      stage.ws.destroy();
      gpu.device.destroy();
    }
  }

  /** @param {any} msg  {assignment, first, last, slots, wire} */
  async assign(msg) {
    const assignment = msg.assignment;
    this.dropStage();   // free the previous range first
    this.update({ assignment, wire: msg.wire === 'f16' ? 'f16' : 'f32' });
    if (msg.first == null) {
      this.update({ state: 'idle', range: null, layers: [], slots: 0 });
      return;
    }
    const names = unitNames(this.manifest, msg.first, msg.last);
    const layers = this.manifest.plan.units.filter((u) => names.includes(u.name) && u.role === 'layer').map((u) => u.layer);
    this.update({ state: 'loading', range: { first: msg.first, last: msg.last }, layers, slots: msg.slots,
      progress: { loaded: 0, total: 0 }, load: null });
    let sentAt = -Infinity;
    const stage = await Stage.load(this.base, {
      first: msg.first, last: msg.last, slots: msg.slots, variant: this.status.variant, manifest: this.manifest,
      useCache: this.options.useCache, onLost: this.onLost,
      onProgress: (loaded, total) => {
        this.update({ progress: { loaded, total } });
        const now = performance.now();
        if (now - sentAt >= PROGRESS_EVERY_MS || loaded >= total) {
          sentAt = now;
          this.send({ type: 'progress', assignment, loaded, total });
        }
      },
    });
    this.stage = stage;
    await warmUp(stage);
    if (this.ended || this.status.assignment !== assignment) {
      this.dropStage();
      return;
    }
    this.send({ type: 'ready', assignment });
    this.update({ state: 'ready', load: stage.loadStats });
  }

  /** @param {ArrayBuffer} frame */
  async step(frame) {
    const { assignment, stepId, step, x } = unpackStep(frame);
    const stage = this.stage;
    if (assignment !== this.status.assignment || !stage) return;   // a step of an assignment it no longer runs
    const t = performance.now();
    const out = await stage.run(step, x);
    if (this.test.throttleMs) await sleep(this.test.throttleMs * Math.max(1, stage.layers.length));
    const ms = performance.now() - t;
    let payload;
    if (out.dtype === 'u32') {
      const vocab = this.manifest.model.config.vocab_size;
      const ids = this.test.corrupt ? out.data.map((v) => (v + 1) % vocab) : out.data;
      payload = encodeWire({ rows: out.rows, width: 1, data: ids }, 'u32');
    } else {
      const data = this.test.corrupt ? out.data.map((v) => v + 1) : out.data;
      payload = encodeWire({ rows: out.rows, width: out.width, data }, this.status.wire);
    }
    if (this.ended) return;
    const result = packResult(assignment, stepId, ms, payload);
    this.ws.send(result);
    const s = this.status;
    this.update({ steps: s.steps + 1, busyMs: s.busyMs + ms, lastStepMs: ms, bytesOut: s.bytesOut + result.byteLength });
  }

  // ------------------------------------------------------------------ state and the connection

  /** @param {Partial<WorkerStatus>} fields */
  update(fields) {
    this.status = { ...this.status, ...fields };
    this.dispatchEvent(new CustomEvent('change', { detail: this.status }));
  }

  /** @param {object} msg */
  send(msg) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /**
   * A failure of this worker (device lost, a step it cannot run): tell the server, which moves its layers, and stop.
   * @param {unknown} error
   */
  fail(error) {
    if (this.ended) return;
    const message = error instanceof Error ? error.message : String(error);
    console.error('webshard worker:', error);
    this.send({ type: 'error', message: message.slice(0, 4000) });
    this.end('error', message);
  }

  /** @param {CloseEvent} event */
  closed(event) {
    if (this.ended) return;
    if (this.status.state === 'connecting') {
      this.end('error', `could not join the swarm at ${this.server} (connection closed, code ${event.code}): is the ` +
        'server running with a swarm, and does it accept workers from this page\'s origin?');
      return;
    }
    const why = `code ${event.code}${event.reason ? `: ${event.reason}` : ''}`;
    // The close codes of server/swarm/coordinator.py, for a verdict whose message was lost.
    if (event.code === 4401 || event.code === 4400) this.end('refused', `the server refused this worker (${why})`);
    else if (event.code === 4000) this.end('evicted', `evicted by the coordinator (${why})`);
    else this.end('closed', `the server closed the connection (${why})`);
  }

  /**
   * @param {string} state  A terminal state.
   * @param {string} reason
   */
  end(state, reason) {
    if (this.ended) return;
    this.stopHeartbeat?.();
    this.stopHeartbeat = null;
    this.dropStage();
    this.update({ state, reason });
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000, state);
    this.resolveRun?.({ state, reason });
  }

  dropStage() {
    if (this.stage) destroyStage(this.stage);
    this.stage = null;
  }
}

/** @param {Stage} stage  A stage on a device of its own: all of it goes. */
function destroyStage(stage) {
  stage.destroy();
  stage.ws.destroy();
  stage.ws.gpu.device.destroy();
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Call `fn` every `ms` milliseconds; returns a function that stops it. The timer runs in a dedicated worker where
 * the page may start one: Chrome throttles the timers of a page hidden for a few minutes to about one wake-up a
 * minute, which would starve the heartbeats (the coordinator evicts after five missed ones), while a dedicated
 * worker's timers keep their pace. Falls back to the page's own setInterval.
 * @param {number} ms
 * @param {() => void} fn
 */
function ticker(ms, fn) {
  try {
    const url = URL.createObjectURL(new Blob([`setInterval(() => postMessage(0), ${Number(ms)});`],
      { type: 'text/javascript' }));
    const timer = new Worker(url);
    timer.onmessage = () => fn();
    return () => { timer.terminate(); URL.revokeObjectURL(url); };
  } catch {
    const id = setInterval(fn, ms);
    return () => clearInterval(id);
  }
}
