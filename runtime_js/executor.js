/**
 * Browser executor: manifest plan + WGSL + weights -> pipelines, buffers and bind groups built once ->
 * `runUnits(units, nTokens, params)` = one command buffer with ONE compute pass holding every dispatch of those units.
 *
 * The JS twin of compiler/executor.py and the Model in compiler/runtime.py: bind group layouts come from the
 * manifest's binding declarations (uniform / read / read_write), dispatch sizes are [count, divisor] per dimension
 * with count "T" = tokens in this step. Only the sampled token id ever comes back to the CPU (4 bytes).
 *
 * Plain ES module, no module-level state.
 */

/**
 * Buffer usage by role (a function, not a constant: GPUBufferUsage is missing where WebGPU is, and the page must
 * still be able to import us to say so).
 * @param {'activation' | 'weight'} role
 */
function usageFor(role) {
  const U = GPUBufferUsage;
  // Weights are filled once at creation (mappedAtCreation) and only read by kernels. Activations, caches and io
  // take queue writes (prompt ids) and copies out (token readback, debugging).
  return role === 'weight' ? U.STORAGE | U.COPY_DST : U.STORAGE | U.COPY_DST | U.COPY_SRC;
}

/** @param {number} n */
const align4 = (n) => Math.max(4, Math.ceil(n / 4) * 4);

/**
 * Workgroup counts of a manifest dispatch for a step of `nTokens` tokens.
 * @param {Array<[number|string, number]>} dispatch
 * @param {number} nTokens
 * @returns {[number, number, number]}
 */
export function workgroups(dispatch, nTokens) {
  const dims = dispatch.map(([count, div]) => Math.ceil((count === 'T' ? nTokens : Number(count)) / Number(div)));
  return /** @type {[number, number, number]} */ (dims);
}

/**
 * The Params uniform bytes, laid out as the manifest's params.fields ([[name, "u32"|"f32"], ...], 4 bytes each).
 * @param {{fields: Array<[string, string]>, bytes: number}} layout
 * @param {Record<string, number>} values  Missing fields are 0.
 */
export function packParams(layout, values) {
  const buf = new ArrayBuffer(layout.bytes);
  const view = new DataView(buf);
  layout.fields.forEach(([name, type], i) => {
    const v = values[name] ?? 0;
    if (type === 'f32') view.setFloat32(4 * i, v, true);
    else view.setUint32(4 * i, v >>> 0, true);
  });
  return buf;
}

/** A kernel the browser's WebGPU rejected; the message carries the compiler's diagnostics. */
export class KernelError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'KernelError';
  }
}

/**
 * @typedef {object} Step
 * @property {string} kernel
 * @property {Array<[number|string, number]>} dispatch
 * @property {GPUBindGroup} bindGroup
 * @property {Record<string, string>} bind
 */

export class Executor {
  /**
   * Creates the params uniform and the activation/state/io buffers the units bind. Then: `compile()` (pipelines),
   * `upload()` each weight, `finalize()` (bind groups); after that, `runUnits()` as often as needed.
   * @param {GPUDevice} device
   * @param {any} manifest
   * @param {{variant: string, units?: string[]}} options  units: the plan units this executor runs (default all).
   */
  constructor(device, manifest, options) {
    this.device = device;
    this.manifest = manifest;
    this.variant = options.variant;
    const wanted = options.units ? new Set(options.units) : null;
    /** @type {any[]} */
    this.planUnits = manifest.plan.units.filter((u) => !wanted || wanted.has(u.name));
    /** @type {Set<string>} */
    this.kernelNames = new Set();
    /** @type {Set<string>} */
    this.weightNames = new Set();
    /** @type {Map<string, GPUBuffer>} */
    this.buffers = new Map();
    for (const u of this.planUnits) {
      for (const d of u.dispatches) {
        this.kernelNames.add(d.kernel);
        for (const v of Object.values(d.bind)) {
          if (v in manifest.weights) this.weightNames.add(v);
          else if (!this.buffers.has(v)) this.buffers.set(v, this.#buffer(v, manifest.buffers[v].bytes, 'activation'));
        }
      }
    }
    this.params = device.createBuffer({
      label: 'params', size: align4(manifest.params.bytes),
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    /** @type {Map<string, GPUComputePipeline>} */
    this.pipelines = new Map();
    /** @type {Map<string, GPUBindGroupLayout>} */
    this.layouts = new Map();
    /** @type {Map<string, Step[]>} */
    this.units = new Map();
    /** @type {GPUBuffer[]} MAP_READ buffers for token readback; several, so decode steps can overlap their reads. */
    this.readbacks = [];
  }

  /**
   * @param {string} label
   * @param {number} bytes
   * @param {'activation' | 'weight'} role
   */
  #buffer(label, bytes, role) {
    return this.device.createBuffer({ label, size: align4(bytes), usage: usageFor(role) });
  }

  /**
   * Build every pipeline once, with explicit bind group layouts from the manifest's bindings.
   * @param {Map<string, string>} sources  kernel name -> WGSL of this executor's variant.
   */
  async compile(sources) {
    await Promise.all([...this.kernelNames].map(async (name) => {
      const kernel = this.manifest.kernels[name];
      const layout = this.device.createBindGroupLayout({
        label: name,
        entries: kernel.bindings.map((b, i) => ({
          binding: i,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: b.type === 'uniform' ? 'uniform' : b.type === 'read' ? 'read-only-storage' : 'storage' },
        })),
      });
      const module = this.device.createShaderModule({ label: `${name} (${this.variant})`, code: sources.get(name) });
      try {
        const pipeline = await this.device.createComputePipelineAsync({
          label: name,
          layout: this.device.createPipelineLayout({ label: name, bindGroupLayouts: [layout] }),
          compute: { module, entryPoint: 'main' },
        });
        this.pipelines.set(name, pipeline);
        this.layouts.set(name, layout);
      } catch (e) {
        const info = await module.getCompilationInfo();
        const notes = info.messages
          .filter((m) => m.type === 'error')
          .map((m) => `  line ${m.lineNum}:${m.linePos}: ${m.message}`)
          .join('\n');
        throw new KernelError(
          `This browser's WebGPU rejected kernel ${name} (${this.variant} variant, ` +
          `${this.manifest.kernels[name].variants[this.variant].file}): ${e.message}${notes ? '\n' + notes : ''}`);
      }
    }));
  }

  /**
   * Create and fill one weight buffer. Names this executor does not bind are ignored (a shard can hold weights of
   * other units, e.g. a tied embedding used by both `embed` and `head`).
   * @param {string} name
   * @param {Uint8Array} bytes
   */
  upload(name, bytes) {
    if (!this.weightNames.has(name) || this.buffers.has(name)) return;
    const size = align4(bytes.byteLength);
    const buf = this.device.createBuffer({ label: name, size, usage: usageFor('weight'), mappedAtCreation: true });
    new Uint8Array(buf.getMappedRange()).set(bytes);
    buf.unmap();
    this.buffers.set(name, buf);
  }

  /** Bind groups, once per dispatch, after every pipeline and weight is in place. */
  finalize() {
    for (const w of this.weightNames) {
      if (!this.buffers.has(w)) throw new Error(`weight "${w}" was never uploaded (its shard did not load)`);
    }
    for (const u of this.planUnits) {
      const steps = u.dispatches.map((d) => {
        const kernel = this.manifest.kernels[d.kernel];
        const entries = kernel.bindings.map((b, i) => ({
          binding: i,
          resource: { buffer: b.type === 'uniform' ? this.params : this.buffers.get(d.bind[b.name]) },
        }));
        return {
          kernel: d.kernel,
          dispatch: kernel.variants[this.variant].dispatch,
          bind: d.bind,
          bindGroup: this.device.createBindGroup({
            label: `${u.name}:${d.kernel}`, layout: this.layouts.get(d.kernel), entries,
          }),
        };
      });
      this.units.set(u.name, steps);
    }
  }

  /**
   * Write token ids (u32) at the start of the `tokens` buffer (a prefill chunk).
   * @param {ArrayLike<number>} ids
   */
  writeTokens(ids) {
    this.device.queue.writeBuffer(this.buffers.get('tokens'), 0, Uint32Array.from(ids));
  }

  /**
   * Encode the dispatches of `unitNames` (in that order) into one compute pass and submit.
   * With `read`, also copy tokens[0] (what the sample kernel wrote) out and resolve to it, else resolve to null.
   * A validation error of this submission rejects, so a caller never takes a stale id for a result.
   * @param {string[]} unitNames
   * @param {number} nTokens
   * @param {Record<string, number>} params  Values for manifest.params fields (n_tokens is set from nTokens).
   * @param {{read?: boolean}} [options]
   * @returns {Promise<number | null>}
   */
  runUnits(unitNames, nTokens, params, options = {}) {
    const dev = this.device;
    for (const name of unitNames) {
      if (!this.units.has(name)) throw new Error(`unit "${name}" is not loaded in this executor`);
    }
    dev.pushErrorScope('validation');
    dev.queue.writeBuffer(this.params, 0, packParams(this.manifest.params, { ...params, n_tokens: nTokens }));
    const enc = dev.createCommandEncoder();
    const pass = enc.beginComputePass();
    let current = null;
    for (const name of unitNames) {
      for (const step of this.units.get(name)) {
        const [x, y, z] = workgroups(step.dispatch, nTokens);
        if (!x || !y || !z) continue;
        const pipeline = this.pipelines.get(step.kernel);
        if (pipeline !== current) pass.setPipeline((current = pipeline));
        pass.setBindGroup(0, step.bindGroup);
        pass.dispatchWorkgroups(x, y, z);
      }
    }
    pass.end();
    const readback = options.read ? (this.readbacks.pop() ?? dev.createBuffer({
      label: 'token readback', size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    })) : null;
    if (readback) enc.copyBufferToBuffer(this.buffers.get('tokens'), 0, readback, 0, 4);
    dev.queue.submit([enc.finish()]);
    const rejected = (error) => new Error(`WebGPU rejected a step of ${unitNames.join(', ')}: ${error.message}`);
    const errors = dev.popErrorScope();
    if (!readback) {
      return errors.then((error) => {
        if (error) throw rejected(error);
        return null;
      });
    }
    return Promise.all([errors, readback.mapAsync(GPUMapMode.READ)]).then(([error]) => {
      const id = new Uint32Array(readback.getMappedRange())[0];
      readback.unmap();
      this.readbacks.push(readback);
      if (error) throw rejected(error);
      return id;
    }, (e) => {
      readback.destroy();
      throw e;
    });
  }

  /**
   * Copy of any buffer's contents (tests and debugging, e.g. the logits).
   * @param {string} name
   * @returns {Promise<ArrayBuffer>}
   */
  async readBuffer(name) {
    const src = this.buffers.get(name);
    if (!src) throw new Error(`no buffer "${name}" in this executor`);
    const staging = this.device.createBuffer({
      label: `${name} readback`, size: src.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(src, 0, staging, 0, src.size);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = staging.getMappedRange().slice(0);
    staging.destroy();
    return out;
  }

  /** Free GPU memory now rather than at garbage collection. */
  destroy() {
    for (const b of this.buffers.values()) b.destroy();
    for (const b of this.readbacks) b.destroy();
    this.params.destroy();
    this.buffers.clear();
    this.readbacks = [];
  }
}
