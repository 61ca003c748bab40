/**
 * Stages: a contiguous range of a compiled model's plan units on this tab's GPU, holding S sequence slots.
 *
 * artifact (manifest + shards) -> **Stage** (only its units' kernels, weights, buffers and KV cache) -> a chain of
 * stages (chain.js: LocalChain on one device, RelayChain through host memory) -> the generation loop (engine.js).
 * With chain.js, the JS twin of compiler/native/stage.py: same classes, same checks, same bytes across stage edges.
 *
 * A stage takes a batch of rows (batch.js Step: slot, position, token or input activations) and hands back output
 * activations, logits, or sampled ids, by the role of its last unit. Stages of one LocalChain share one Workspace
 * (the params uniform and control buffer, the boundary buffers and scratch), so a chain on one device runs as one
 * compute pass per step with nothing crossing to the host but the sampled ids. Stages loaded apart (RelayChain,
 * stages in other tabs or native processes) exchange activations in the wire format (wire.js).
 *
 * Plain ES module, no module-level state.
 */
import { fetchKernelSources, fetchManifest, loadShards } from './artifact.js';
import { checkStep, packCtl, packParams } from './batch.js';
import { LimitError, acquireDevice, chooseVariant } from './device.js';
import { Executor } from './executor.js';
import { ArtifactError, shapeBytes, stepSizes, tiledEntries, unitNames } from './manifest.js';
import { decode as decodeWire } from './wire.js';

export { defaultSlots, kvBytesPerSlot, splitRanges, unitNames } from './manifest.js';

/**
 * @typedef {import('./batch.js').Step} Step
 * @typedef {import('./wire.js').Activations} Activations
 * @typedef {import('./device.js').ModelDevice} ModelDevice
 * @typedef {{rows: number, width: number, dtype: string, data: Float32Array | Uint32Array}} HostRows
 *   What Stage.run returns: activations (rows, width), logits (outputs, vocab) or sampled ids (outputs, 1).
 */

/**
 * @typedef {object} LoadStats
 * @property {number} ms            Load time, manifest to ready.
 * @property {number} networkBytes  Shard bytes downloaded.
 * @property {number} cachedBytes   Shard bytes read from the Cache API.
 * @property {number} totalBytes
 * @property {number} shardsFromNetwork
 * @property {number} compileMs     Pipeline creation (overlaps the download).
 */

/**
 * @typedef {object} StageOptions
 * @property {string | null} [first]    First unit (default: the plan's first).
 * @property {string | null} [last]     Last unit (default: the plan's last).
 * @property {number | null} [slots]    Sequence slots (default: the device's, see acquireDevice).
 * @property {string | null} [variant]  Force a kernel variant.
 * @property {ModelDevice} [gpu]        Device to load onto (default: a new one sized for these units).
 * @property {Workspace} [workspace]    Share this workspace (a LocalChain).
 * @property {any} [manifest]           Already fetched and validated.
 * @property {boolean} [useCache]       Cache API for shards (default true).
 * @property {AbortSignal} [signal]
 * @property {(loadedBytes: number, totalBytes: number) => void} [onProgress]
 * @property {(info: GPUDeviceLostInfo) => void} [onLost]
 */

/**
 * What the stages of one chain on one device share: pipelines, the params uniform, the control buffer, the
 * boundary buffers and scratch. Buffers are created on first use, sized for this workspace's slots.
 */
export class Workspace {
  /**
   * A workspace for `manifest` with `slots` (default: the device's), on `gpu` (default: a new device sized for
   * `units`, or the whole model).
   * @param {string} baseUrl
   * @param {any} manifest
   * @param {{units?: string[], slots?: number | null, variant?: string | null, gpu?: ModelDevice,
   *          onLost?: (info: GPUDeviceLostInfo) => void}} [options]
   */
  static async create(baseUrl, manifest, options = {}) {
    const units = options.units ?? unitNames(manifest);
    const gpu = options.gpu ?? await acquireDevice(manifest, {
      units, slots: options.slots, variant: options.variant, onLost: options.onLost,
    });
    const slots = options.slots ?? gpu.slots;
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a positive integer, got ${slots}`);
    const variant = chooseVariant(manifest, gpu.adapter.info, { override: options.variant ?? gpu.variant });
    return new Workspace(gpu, manifest, baseUrl, variant, slots);
  }

  /**
   * @param {ModelDevice} gpu
   * @param {any} manifest
   * @param {string} baseUrl
   * @param {string} variant
   * @param {number} slots
   */
  constructor(gpu, manifest, baseUrl, variant, slots) {
    this.gpu = gpu;
    this.device = gpu.device;
    this.manifest = manifest;
    this.baseUrl = baseUrl;
    this.variant = variant;
    this.slots = slots;
    this.bindingLimit = this.device.limits.maxStorageBufferBindingSize;
    this.sizes = stepSizes(manifest, slots, this.bindingLimit, variant);
    this.maxRows = this.sizes.T;
    this.maxOutputs = this.sizes.O;
    this.context = this.sizes.C;
    this.vocab = manifest.model.config.vocab_size;
    this.ex = new Executor(this.device, manifest.params.bytes);
    /** @type {Map<string, GPUBuffer>} */
    this.buffers = new Map();
    /** @type {GPUBuffer[]} MAP_READ buffers, reused: several steps can be read back at once. */
    this.readbacks = [];
  }

  /** What a step must fit (batch.js checkStep). */
  get limits() {
    return { maxRows: this.maxRows, maxOutputs: this.maxOutputs, slots: this.slots, context: this.context,
      vocab: this.vocab };
  }

  /**
   * The workspace's buffer `name` (manifest buffers), created on first use.
   * @param {string} name
   */
  buffer(name) {
    let buf = this.buffers.get(name);
    if (!buf) {
      const size = shapeBytes(this.manifest.buffers[name].shape, this.sizes);
      if (size > this.bindingLimit) {
        throw new LimitError(`buffer ${name} needs ${size} bytes for ${this.slots} slots, over this device's ` +
          `maxStorageBufferBindingSize ${this.bindingLimit}; load fewer slots`,
        { limit: 'maxStorageBufferBindingSize', needed: size, available: this.bindingLimit });
      }
      buf = this.ex.storage({ size, label: name });
      this.buffers.set(name, buf);
    }
    return buf;
  }

  /**
   * Pipelines of `names` (fetched and compiled once per workspace).
   * @param {Iterable<string>} names
   */
  async kernels(names) {
    const missing = [...names].filter((n) => !this.ex.adding.has(n));
    const sources = missing.length
      ? await fetchKernelSources(this.baseUrl, this.manifest, this.variant, missing) : new Map();
    await Promise.all([...names].map((name) => this.ex.add(this.#program(name, this.variant, sources.get(name)))));
  }

  /**
   * Run every kernel built so far as `variant` (the autotuner's trials and its choice), as
   * compiler/native/stage.py Workspace.use_variant: same bindings, so the stages' bind groups, weights and buffers
   * serve it unchanged. Nothing changes when one of its programs fails to build. Call it once the stages have
   * loaded: a kernel still being built would be built as the old variant.
   * @param {string} variant
   */
  async useVariant(variant) {
    if (variant === this.variant) return;
    const rows = stepSizes(this.manifest, this.slots, this.bindingLimit, variant).T;
    if (rows !== this.maxRows) {   // buffers are sized for this many rows a step
      throw new RangeError(`variant ${variant} runs ${rows} rows a step, not ${this.maxRows}`);
    }
    const names = [...this.ex.programs.keys()];
    const sources = await fetchKernelSources(this.baseUrl, this.manifest, variant, names);
    await this.ex.replace(names.map((name) => this.#program(name, variant, sources.get(name))));
    this.variant = variant;
  }

  /**
   * What the executor builds of kernel `name` in `variant`, from its fetched WGSL.
   * @param {string} name
   * @param {string} variant
   * @param {{main: string, tiled: string[]} | undefined} src
   * @returns {import('./executor.js').KernelProgram}
   */
  #program(name, variant, src) {
    const k = this.manifest.kernels[name];
    const v = k.variants[variant];
    const entries = tiledEntries(v);
    /** @type {import('./executor.js').TiledProgram | undefined} */
    let tiled;
    for (let i = entries.length - 1; i >= 0; i--) {   // the longest steps' program first: each nests the next
      const t = entries[i];
      tiled = {
        source: src?.tiled[i] ?? '', dispatch: t.dispatch, minRows: t.min_rows, where: `${variant} variant, ${t.file}`,
        tiled,
      };
    }
    return {
      name, source: src?.main ?? '', bindings: k.bindings, dispatch: v.dispatch,
      where: `${variant} variant, ${v.file}`, tiled,
    };
  }

  /**
   * Params, control words and CPU-known token ids of `step` (queue-ordered: earlier submits keep theirs).
   * @param {Step} step
   */
  writeStep(step) {
    const q = this.device.queue;
    const layout = this.manifest.params;
    q.writeBuffer(this.ex.params, 0, packParams(layout, step.rows.length, step.outputs.length));
    q.writeBuffer(this.buffer('ctl'), 0, packCtl(layout, step));
    const tokens = this.buffers.get('tokens');
    if (tokens && step.rows.some((r) => r.token != null)) {
      q.writeBuffer(tokens, 0, Uint32Array.from(step.rows, (r) => r.token ?? 0));
    }
  }

  /**
   * A MAP_READ buffer of at least nbytes, from the pool (give it back with release).
   * @param {number} nbytes
   */
  readback(nbytes) {
    const i = this.readbacks.findIndex((rb) => rb.size >= nbytes);
    if (i >= 0) return this.readbacks.splice(i, 1)[0];
    return this.device.createBuffer({
      label: 'readback', size: Math.max(4, Math.ceil(nbytes / 4) * 4),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  /** @param {GPUBuffer} rb */
  release(rb) {
    this.readbacks.push(rb);
  }

  /**
   * Wait for a submitted command buffer: its validation errors (`scope`, from popErrorScope), then copies of the
   * first `nbytes` of each readback buffer, which go back to the pool. A rejected step is an error, never stale data.
   * @param {Promise<GPUError | null>} scope
   * @param {Array<{rb: GPUBuffer, nbytes: number}>} reads
   * @param {string} what  For messages.
   * @returns {Promise<ArrayBuffer[]>}
   */
  async settle(scope, reads, what) {
    const [checked, ...maps] = await Promise.allSettled([scope, ...reads.map((r) => r.rb.mapAsync(GPUMapMode.READ))]);
    const error = checked.status === 'fulfilled' ? checked.value : checked.reason;
    const failed = /** @type {PromiseRejectedResult | undefined} */ (maps.find((m) => m.status === 'rejected'));
    if (error || failed) {
      for (const r of reads) r.rb.destroy();
      throw new Error(`WebGPU rejected a step of ${what}: ${(error ?? failed?.reason)?.message ?? error ?? failed?.reason}`);
    }
    return reads.map((r) => {
      const copy = r.rb.getMappedRange(0, Math.max(4, r.nbytes)).slice(0, r.nbytes);
      r.rb.unmap();
      this.release(r.rb);
      return copy;
    });
  }

  /**
   * A copy of the first `nbytes` of buffer `name` (e.g. the logits a RelayChain keeps).
   * @param {string} name
   * @param {number} nbytes
   */
  async read(name, nbytes) {
    const dev = this.device;
    const rb = this.readback(nbytes);
    dev.pushErrorScope('validation');
    const enc = dev.createCommandEncoder();
    if (nbytes) enc.copyBufferToBuffer(this.buffer(name), 0, rb, 0, nbytes);
    dev.queue.submit([enc.finish()]);
    return (await this.settle(dev.popErrorScope(), [{ rb, nbytes }], `a read of ${name}`))[0];
  }

  /** Free GPU memory now rather than at garbage collection. */
  destroy() {
    for (const b of this.buffers.values()) b.destroy();
    for (const b of this.readbacks) b.destroy();
    this.ex.destroy();
    this.buffers.clear();
    this.readbacks = [];
  }
}

/** Units first..last of an artifact on a workspace's device: their pipelines, weights, bind groups and KV cache. */
export class Stage {
  /**
   * Units first..last (default: all) of the artifact at `baseUrl`: fetches only their shards and kernels, creates
   * only their buffers. A new workspace unless one is given (a LocalChain).
   * @param {string} baseUrl
   * @param {StageOptions} [options]
   * @returns {Promise<Stage>}
   */
  static async load(baseUrl, options = {}) {
    const t0 = performance.now();
    const manifest = options.workspace?.manifest ?? options.manifest ??
      await fetchManifest(baseUrl, { signal: options.signal });
    const names = unitNames(manifest, options.first ?? null, options.last ?? null);
    const ws = options.workspace ?? await Workspace.create(baseUrl, manifest, {
      units: names, slots: options.slots, variant: options.variant, gpu: options.gpu, onLost: options.onLost,
    });
    const byName = new Map(manifest.plan.units.map((u) => [u.name, u]));
    const units = names.map((n) => byName.get(n));
    const kernels = new Set(units.flatMap((u) => u.dispatches.map((d) => d.kernel)));
    const wanted = new Set(units.flatMap((u) => u.dispatches.flatMap((d) => Object.values(d.bind)))
      .filter((v) => v in manifest.weights));
    /** @type {Map<string, GPUBuffer>} */
    const weights = new Map();
    const compile = (async () => {
      const t = performance.now();
      await ws.kernels(kernels);
      return performance.now() - t;
    })();
    const shards = loadShards(baseUrl, manifest, {
      units: names, signal: options.signal, useCache: options.useCache, onProgress: options.onProgress,
      onShard: (_shard, tensors) => {
        // A shard can hold weights of other units (a tied embedding is read by embed and head): take ours only.
        for (const [name, t] of tensors) {
          if (wanted.has(name) && !weights.has(name)) weights.set(name, ws.ex.storage({ data: t.bytes, label: name }));
        }
      },
    });
    const [compiled, loaded] = await Promise.allSettled([compile, shards]);
    if (compiled.status === 'rejected' || loaded.status === 'rejected') {
      for (const b of weights.values()) b.destroy();
      throw compiled.status === 'rejected' ? compiled.reason : /** @type {PromiseRejectedResult} */ (loaded).reason;
    }
    const missing = [...wanted].filter((w) => !weights.has(w));
    if (missing.length) {
      for (const b of weights.values()) b.destroy();
      throw new ArtifactError(`${baseUrl}: weight ${missing.sort()[0]} is in no shard of its unit`);
    }
    const s = loaded.value.stats;
    /** @type {LoadStats} */
    const stats = {
      ms: performance.now() - t0, networkBytes: s.networkBytes, cachedBytes: s.cachedBytes, totalBytes: s.totalBytes,
      shardsFromNetwork: s.shardsFromNetwork, compileMs: compiled.value,
    };
    return new Stage(ws, names, weights, stats);
  }

  /**
   * Use Stage.load.
   * @param {Workspace} workspace
   * @param {string[]} names
   * @param {Map<string, GPUBuffer>} weights  Uploaded weights, by name.
   * @param {LoadStats} loadStats
   */
  constructor(workspace, names, weights, loadStats) {
    this.ws = workspace;
    const m = workspace.manifest;
    this.manifest = m;
    const byName = new Map(m.plan.units.map((u) => [u.name, u]));
    /** @type {any[]} */
    this.units = names.map((n) => byName.get(n));
    this.roles = this.units.map((u) => u.role);
    this.firstRole = this.roles[0];
    this.lastRole = this.roles.at(-1);
    /** @type {number[]} */
    this.layers = this.units.filter((u) => u.role === 'layer').map((u) => u.layer);
    this.weights = weights;
    this.weightBytes = [...weights.values()].reduce((n, b) => n + b.size, 0);
    this.loadStats = loadStats;
    /** @type {Array<{kernel: string, bindGroup: GPUBindGroup}>} */
    this.steps = [];
    for (const u of this.units) {
      for (const d of u.dispatches) {
        /** @type {Record<string, GPUBuffer>} */
        const bufs = {};
        for (const [b, v] of Object.entries(d.bind)) bufs[b] = weights.get(v) ?? workspace.buffer(v);
        this.steps.push({ kernel: d.kernel, bindGroup: workspace.ex.bindGroup(d.kernel, bufs, `${u.name}:${d.kernel}`) });
      }
    }
    /** @type {string[]} */
    this.state = this.units.flatMap((u) => u.state);
  }

  /** Units as "first..last", for messages. */
  get span() {
    return `${this.units[0].name}..${this.units.at(-1).name}`;
  }

  /** The boundary entry a stage that does not start with embed reads from the previous stage (x or logits). */
  get input() {
    return this.firstRole === 'embed' ? null : this.units[0].reads[0];
  }

  /** The boundary entry (buffer, dtype, rows, row_bytes) the last unit writes: x, logits or sampled. */
  get output() {
    return this.units.at(-1).writes.at(-1);
  }

  /**
   * @param {GPUComputePassEncoder} pass
   * @param {number} nRows
   * @param {number} nOut
   */
  record(pass, nRows, nOut) {
    for (const s of this.steps) this.ws.ex.record(pass, s.kernel, s.bindGroup, nRows, nOut);
  }

  /**
   * Run one step on its own (host in, host out): token ids come from step.rows; a stage that does not start with
   * embed also takes its input activations `x` (wire bytes, a Float32Array of rows * width values, or
   * {rows, width, data}). Returns the output rows: activations, logits or sampled ids.
   * @param {Step} step
   * @param {Uint8Array | ArrayBuffer | Float32Array | Activations | null} [x]
   * @returns {Promise<HostRows>}
   */
  async run(step, x = null) {
    const ws = this.ws;
    const dev = ws.device;
    checkStep(step, { ...ws.limits, needsTokens: this.firstRole === 'embed' });
    const inp = this.input;
    if (inp) {
      const width = inp.row_bytes / 4;
      const rows = inp.rows === 'T' ? step.rows.length : step.outputs.length;
      if (x == null) throw new RangeError(`this stage starts with ${this.units[0].name}: it needs input activations`);
      const act = asActivations(x, width, ws.maxRows);
      if (act.rows !== rows || act.width !== width) {
        throw new RangeError(`input activations are (${act.rows}, ${act.width}), this step needs ${rows} rows of ${width}`);
      }
      if (!act.data.every(Number.isFinite)) throw new RangeError('input activations hold NaN or infinity');
      if (rows) dev.queue.writeBuffer(ws.buffer(inp.buffer), 0, Float32Array.from(act.data));
    } else if (step.rows.some((r) => r.src != null)) {
      throw new RangeError('a stage run on its own takes token ids, not src references');
    }
    const out = this.output;
    const n = out.rows === 'T' ? step.rows.length : step.outputs.length;
    const nbytes = n * out.row_bytes;
    const rb = ws.readback(nbytes);
    dev.pushErrorScope('validation');
    let scope;
    try {
      ws.writeStep(step);
      const enc = dev.createCommandEncoder();
      const pass = enc.beginComputePass();
      this.record(pass, step.rows.length, step.outputs.length);
      pass.end();
      if (nbytes) enc.copyBufferToBuffer(ws.buffer(out.buffer), 0, rb, 0, nbytes);
      dev.queue.submit([enc.finish()]);
    } finally {
      scope = dev.popErrorScope();
    }
    const [data] = await ws.settle(scope, [{ rb, nbytes }], this.span);
    const width = out.row_bytes / 4;
    return { rows: n, width, dtype: out.dtype, data: out.dtype === 'u32' ? new Uint32Array(data) : new Float32Array(data) };
  }

  /** Free this stage's weights (its workspace's buffers belong to the workspace). */
  destroy() {
    for (const b of this.weights.values()) b.destroy();
    this.weights.clear();
  }
}

/**
 * Input activations in any accepted form -> {rows, width, data}.
 * @param {Uint8Array | ArrayBuffer | Float32Array | Activations} x
 * @param {number} width
 * @param {number} maxRows
 * @returns {Activations}
 */
function asActivations(x, width, maxRows) {
  if (x instanceof Uint8Array || x instanceof ArrayBuffer) return decodeWire(x, { width, maxRows });
  if (x instanceof Float32Array) {
    if (x.length % width) throw new RangeError(`input activations hold ${x.length} values, not rows of ${width}`);
    return { rows: x.length / width, width, data: x };
  }
  if (x && ArrayBuffer.isView(x.data) && Number.isInteger(x.rows) && Number.isInteger(x.width)) return x;
  throw new RangeError('input activations must be wire bytes, a Float32Array or {rows, width, data}');
}
