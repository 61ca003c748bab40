/**
 * Browser executor: WGSL + the manifest's binding declarations -> pipelines and bind groups built once, then
 * dispatches recorded into a compute pass. The JS twin of compiler/native/executor.py; stages (stage.js) own the
 * buffers and decide what goes into which pass.
 *
 * Bind group layouts come from the manifest's bindings (uniform / read / read_write); dispatch sizes are
 * [count, divisor] per dimension, where count "T" is the rows of the step and "O" its outputs.
 *
 * Plain ES module, no module-level state.
 */

/**
 * Workgroup counts of a manifest dispatch for a step (compiler/kernels.py `workgroups`).
 * @param {Array<[number|string, number]>} dispatch
 * @param {number} nRows
 * @param {number} [nOut]
 * @returns {[number, number, number]}
 */
export function workgroups(dispatch, nRows, nOut = 1) {
  const dims = dispatch.map(([count, div]) => {
    const c = count === 'T' ? nRows : count === 'O' ? nOut : Number(count);
    return Math.max(0, Math.ceil(c / Number(div)));
  });
  return /** @type {[number, number, number]} */ (dims);
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
 * @typedef {object} KernelProgram  What the executor needs of one kernel variant (from a manifest entry).
 * @property {string} name
 * @property {string} source        WGSL
 * @property {Array<{name: string, type: string}>} bindings  In binding order.
 * @property {Array<[number|string, number]>} dispatch
 * @property {string} [where]       For messages, e.g. "cpu variant, kernels/cpu/x.wgsl".
 * @property {TiledProgram} [tiled]  Run instead (same bindings) for steps of at least minRows rows: the rows its
 *   dispatch counts ("T" or "O"), as compiler/native/executor.py KernelProgram.for_step.
 */

/**
 * @typedef {object} TiledProgram
 * @property {string} source
 * @property {Array<[number|string, number]>} dispatch
 * @property {number} minRows
 * @property {string} [where]
 * @property {TiledProgram} [tiled]  For still longer steps.
 */

/**
 * (pipeline key, program) of `prog` and its tiled programs, for ever longer steps.
 * @param {KernelProgram} prog
 * @returns {Array<[string, KernelProgram | TiledProgram]>}
 */
export function programChain(prog) {
  /** @type {Array<[string, KernelProgram | TiledProgram]>} */
  const out = [];
  let key = prog.name;
  for (let p = /** @type {KernelProgram | TiledProgram | undefined} */ (prog); p; p = p.tiled, key += '#tiled') {
    out.push([key, p]);
  }
  return out;
}

/**
 * The dispatch grid and pipeline key a step runs for `prog`: the last tiled program whose minRows the step
 * reaches, else its own.
 * @param {KernelProgram} prog
 * @param {number} nRows
 * @param {number} nOut
 * @returns {{key: string, dispatch: Array<[number|string, number]>}}
 */
export function programFor(prog, nRows, nOut) {
  let found = { key: prog.name, dispatch: prog.dispatch };
  for (const [key, t] of programChain(prog).slice(1)) {
    const count = t.dispatch.find(([c]) => c === 'T' || c === 'O')?.[0];
    if ((count === 'T' ? nRows : nOut) < /** @type {TiledProgram} */ (t).minRows) break;
    found = { key, dispatch: t.dispatch };
  }
  return found;
}

/** @param {number} n */
export const align4 = (n) => Math.max(4, Math.ceil(n / 4) * 4);

export class Executor {
  /**
   * @param {GPUDevice} device
   * @param {number} paramsBytes  Size of the params uniform (manifest params.bytes).
   */
  constructor(device, paramsBytes) {
    this.device = device;
    /** @type {Map<string, Promise<void>>} */
    this.adding = new Map();
    /** @type {Map<string, GPUComputePipeline>} */
    this.pipelines = new Map();
    /** @type {Map<string, GPUBindGroupLayout>} */
    this.layouts = new Map();
    /** @type {Map<string, KernelProgram>} */
    this.programs = new Map();
    this.params = device.createBuffer({
      label: 'params', size: align4(paramsBytes), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /**
   * Build a kernel's pipeline once (later calls for the same name wait for the first).
   * @param {KernelProgram} prog
   * @returns {Promise<void>}
   */
  add(prog) {
    let pending = this.adding.get(prog.name);
    if (!pending) {
      pending = this.#build(prog);
      this.adding.set(prog.name, pending);
    }
    return pending;
  }

  /** @param {KernelProgram} prog */
  async #build(prog) {
    const layout = this.device.createBindGroupLayout({
      label: prog.name,
      entries: prog.bindings.map((b, i) => ({
        binding: i,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: b.type === 'uniform' ? 'uniform' : b.type === 'read' ? 'read-only-storage' : 'storage' },
      })),
    });
    const pipelines = await this.#compile(prog, layout);
    for (const [key, pipeline] of pipelines) this.pipelines.set(key, pipeline);
    this.layouts.set(prog.name, layout);
    this.programs.set(prog.name, prog);
  }

  /**
   * Run these programs instead of the built kernels of the same names (another variant: the autotuner's trials
   * and its choice). Their bindings are the same, so bind groups made for the old programs serve the new ones.
   * All compile before any is swapped in: a program the browser rejects leaves every kernel as it was.
   * @param {KernelProgram[]} progs
   */
  async replace(progs) {
    const built = await Promise.all(progs.map((prog) => {
      const layout = this.layouts.get(prog.name);
      if (!layout) throw new Error(`kernel ${prog.name} was never built, so it cannot be replaced`);
      return this.#compile(prog, layout);
    }));
    progs.forEach((prog, i) => {
      const old = this.programs.get(prog.name);
      for (const [key] of old ? programChain(old) : []) this.pipelines.delete(key);
      for (const [key, pipeline] of built[i]) this.pipelines.set(key, pipeline);
      this.programs.set(prog.name, prog);
    });
  }

  /**
   * Pipelines of a program (and of its tiled program), keyed as `record` looks them up.
   * @param {KernelProgram} prog
   * @param {GPUBindGroupLayout} layout
   * @returns {Promise<Map<string, GPUComputePipeline>>}
   */
  async #compile(prog, layout) {
    const dev = this.device;
    const pipelineLayout = dev.createPipelineLayout({ label: prog.name, bindGroupLayouts: [layout] });
    const programs = programChain(prog).map(([key, p]) => [key, p.source, p.where, p.dispatch]);
    // A program whose grid is empty whatever the step (a variant that never runs the kernel, such as
    // attention_tiled's on CPU adapters) gets no pipeline: SwiftShader would spend compile time on it.
    const runs = programs.filter(([, , , dispatch]) => !dispatch.some(([c]) => c === 0));
    /** @type {Map<string, GPUComputePipeline>} */
    const out = new Map();
    await Promise.all(runs.map(async ([key, code, where]) => {
      const module = dev.createShaderModule({ label: key, code });
      try {
        out.set(key, await dev.createComputePipelineAsync({
          label: key, layout: pipelineLayout, compute: { module, entryPoint: 'main' },
        }));
      } catch (e) {
        const info = await module.getCompilationInfo();
        const notes = info.messages
          .filter((m) => m.type === 'error')
          .map((m) => `  line ${m.lineNum}:${m.linePos}: ${m.message}`)
          .join('\n');
        throw new KernelError(`This browser's WebGPU rejected kernel ${key}${where ? ` (${where})` : ''}: ` +
          `${e.message}${notes ? '\n' + notes : ''}`);
      }
    }));
    return out;
  }

  /**
   * A bind group for `kernel`: binding name -> buffer (the params uniform is bound automatically).
   * @param {string} kernel
   * @param {Record<string, GPUBuffer>} buffers
   * @param {string} [label]
   */
  bindGroup(kernel, buffers, label = kernel) {
    const prog = /** @type {KernelProgram} */ (this.programs.get(kernel));
    const entries = prog.bindings.map((b, i) => {
      const buffer = b.type === 'uniform' ? this.params : buffers[b.name];
      if (!buffer) throw new Error(`kernel ${kernel}: nothing bound to ${b.name}`);
      return { binding: i, resource: { buffer } };
    });
    return this.device.createBindGroup({ label, layout: /** @type {GPUBindGroupLayout} */ (this.layouts.get(kernel)), entries });
  }

  /**
   * Record one dispatch of `kernel` into `pass`, sized for a step of nRows rows and nOut outputs (skipped when a
   * dimension is 0, e.g. the LM head in a prefill chunk that produces no output).
   * @param {GPUComputePassEncoder} pass
   * @param {string} kernel
   * @param {GPUBindGroup} bindGroup
   * @param {number} nRows
   * @param {number} nOut
   */
  record(pass, kernel, bindGroup, nRows, nOut) {
    const { key, dispatch } = programFor(/** @type {KernelProgram} */ (this.programs.get(kernel)), nRows, nOut);
    const [x, y, z] = workgroups(dispatch, nRows, nOut);
    if (!x || !y || !z) return;
    pass.setPipeline(/** @type {GPUComputePipeline} */ (this.pipelines.get(key)));
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
  }

  /**
   * A storage buffer: filled from `data` (weights: read by kernels only), or `size` zeroed bytes (activations,
   * caches, io: they also take queue writes and copies out).
   * @param {{data?: Uint8Array, size?: number, label?: string}} spec
   */
  storage({ data, size, label = '' }) {
    const U = GPUBufferUsage;
    if (data) {
      const buf = this.device.createBuffer({
        label, size: align4(data.byteLength), usage: U.STORAGE | U.COPY_DST, mappedAtCreation: true,
      });
      new Uint8Array(buf.getMappedRange()).set(data);
      buf.unmap();
      return buf;
    }
    return this.device.createBuffer({ label, size: align4(size ?? 0), usage: U.STORAGE | U.COPY_DST | U.COPY_SRC });
  }

  destroy() {
    this.params.destroy();
  }
}
