/**
 * Browser scene runtime: compiled scene artifact -> WebGPU draws on a canvas.
 *
 * Data flow: compiler/scene/lower.py writes /scenes/<id>/{scene.json, *.wgsl, *.bin}; `loadScene` fetches
 * them; `createSceneRenderer` builds buffers, pipelines and bind groups once from scene.json (the same steps
 * as compiler/scene/render.py natively); `runSceneOnCanvas` drives it with requestAnimationFrame.
 * Matrices follow compiler/scene/math3d.py: column-major Float32Array(16), clip depth in [0, 1]
 * (wgpu-matrix's conventions); tests/fixtures/cube_mvp.json holds both runtimes to the same numbers.
 *
 * No module-level state, and no GPU* globals touched at import: a page without WebGPU can still import
 * this module (and then show webgpu_check.js's message).
 */
import { mat3, mat4 } from 'wgpu-matrix';

/** The scene.json format this runtime reads (compiler/scene/lower.py FORMAT_VERSION). */
export const FORMAT_VERSION = 1;

/**
 * @typedef {{name: string, type: string, offset: number, size: number, per_frame: boolean}} UniformField
 * @typedef {{size: number, fields: UniformField[]}} UniformLayout
 * @typedef {{kind: string, axis: number[], speed: number, phase: number}} Animation
 * @typedef {{name: string, pipeline: string, vertex_buffer: string, index_buffer: string,
 *            index_format: GPUIndexFormat, index_count: number, translation: number[],
 *            animation: Animation | null, uniform_values: Record<string, number[]>}} Draw
 * @typedef {{format_version: number, name: string, background: number[],
 *            camera: {eye: number[], target: number[], up: number[], fov_y_deg: number, near: number, far: number},
 *            render: {msaa_samples: number, depth_format: GPUTextureFormat},
 *            buffers: Record<string, {file: string, nbytes: number, usage: string, sha256: string}>,
 *            vertex_layouts: Record<string, object>, uniform_layouts: Record<string, UniformLayout>,
 *            pipelines: Record<string, object>, draws: Draw[]}} SceneJson
 * @typedef {{json: SceneJson, shaders: Record<string, string>, buffers: Record<string, ArrayBuffer>}} LoadedScene
 */

/** Per-frame uniform fields this runtime knows how to compute (layouts.PER_FRAME_SOURCES in Python). */
const PER_FRAME = ['mvp', 'model', 'normal_matrix'];

/**
 * Fetch and check an artifact: scene.json, its shaders and its buffers (size and sha256 as recorded).
 * @param {string} baseUrl  Directory URL, e.g. "/scenes/cube/".
 * @param {typeof fetch} [fetchFn]
 * @returns {Promise<LoadedScene>}
 */
export async function loadScene(baseUrl, fetchFn = (...a) => globalThis.fetch(...a)) {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`, globalThis.location?.href);
  const get = async (file) => {
    const res = await fetchFn(new URL(file, base));
    if (!res.ok) throw new Error(`${new URL(file, base)}: HTTP ${res.status}`);
    return res;
  };
  /** @type {SceneJson} */
  const json = await (await get('scene.json')).json();
  if (json.format_version !== FORMAT_VERSION) {
    throw new Error(`${base}scene.json has format_version ${json.format_version}, this runtime reads ` +
      `${FORMAT_VERSION}: recompile the scene`);
  }
  for (const d of json.draws) {
    if (d.animation && d.animation.kind !== 'rotate') throw new Error(`unknown animation kind ${d.animation.kind}`);
  }
  const shaderFiles = new Set(Object.values(json.pipelines).flatMap((p) => [p.vertex.shader, p.fragment.shader]));
  const shaders = Object.fromEntries(await Promise.all(
    [...shaderFiles].map(async (f) => [f, await (await get(f)).text()])));
  const buffers = Object.fromEntries(await Promise.all(Object.entries(json.buffers).map(async ([name, e]) => {
    const data = await (await get(e.file)).arrayBuffer();
    if (data.byteLength !== e.nbytes || !(await sha256Matches(data, e.sha256))) {
      throw new Error(`${base}${e.file} does not match scene.json (size or sha256): recompile the scene`);
    }
    return [name, data];
  })));
  return { json, shaders, buffers };
}

/**
 * @param {ArrayBuffer} data
 * @param {string} hex
 */
async function sha256Matches(data, hex) {
  // crypto.subtle exists only in secure contexts; elsewhere the size check above has to do.
  if (!globalThis.crypto?.subtle) return true;
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') === hex;
}

/**
 * Projection x view for the scene's camera.
 * @param {SceneJson} sceneJson
 * @param {number} aspect  width / height
 */
export function viewProjection(sceneJson, aspect) {
  const c = sceneJson.camera;
  // Degrees to radians exactly as Python's math.radians, so the fixture comparison is tight.
  const proj = mat4.perspective((c.fov_y_deg * Math.PI) / 180, aspect, c.near, c.far);
  return mat4.multiply(proj, mat4.lookAt(c.eye, c.target, c.up));
}

/**
 * Model matrix of one draw at time t: translate(rotate(p)), angle = phase + speed * t.
 * @param {Draw} draw
 * @param {number} t  seconds
 */
export function modelMatrix(draw, t) {
  const m = mat4.translation(draw.translation);
  const a = draw.animation;
  return a ? mat4.multiply(m, mat4.axisRotation(a.axis, a.phase + a.speed * t)) : m;
}

/**
 * The MVP of draw `drawIndex` at time t (column-major Float32Array(16)); math3d.model_view_projection's twin.
 * @param {SceneJson} sceneJson
 * @param {number} t
 * @param {number} aspect
 * @param {number} [drawIndex]
 */
export function modelViewProjection(sceneJson, t, aspect, drawIndex = 0) {
  return mat4.multiply(viewProjection(sceneJson, aspect), modelMatrix(sceneJson.draws[drawIndex], t));
}

/**
 * Per-frame uniform values of a draw, keyed like the uniform fields (math3d.frame_matrices's twin).
 * @param {SceneJson} sceneJson
 * @param {Draw} draw
 * @param {number} t
 * @param {number} aspect
 * @returns {Record<string, Float32Array>}
 */
export function frameMatrices(sceneJson, draw, t, aspect) {
  const model = modelMatrix(draw, t);
  return {
    mvp: mat4.multiply(viewProjection(sceneJson, aspect), model),
    model,
    // Inverse-transpose of the 3x3 part, padded to a mat4 as the WGSL struct declares it.
    normal_matrix: mat4.fromMat3(mat3.transpose(mat3.inverse(mat3.fromMat4(model)))),
  };
}

/**
 * Pack values into a uniform struct at the byte offsets scene.json gives (all fields are f32-based).
 * @param {UniformLayout} layout
 * @param {Record<string, ArrayLike<number>>} values
 * @param {Float32Array} [dst]  Reused between frames to avoid garbage.
 */
export function packUniforms(layout, values, dst = new Float32Array(layout.size / 4)) {
  for (const f of layout.fields) {
    const v = values[f.name];
    if (!v) throw new Error(`no value for uniform field ${f.name}`);
    if (v.length * 4 > f.size) throw new Error(`uniform ${f.name}: ${v.length} floats do not fit ${f.size} bytes`);
    dst.set(v, f.offset / 4);
  }
  return dst;
}

/**
 * GPU objects for one scene, created once; `render` draws a frame into a color view of a given size.
 * @param {GPUDevice} device
 * @param {LoadedScene} scene
 * @param {GPUTextureFormat} colorFormat  e.g. navigator.gpu.getPreferredCanvasFormat()
 */
export function createSceneRenderer(device, scene, colorFormat) {
  const { json } = scene;
  const stageBits = { vertex: GPUShaderStage.VERTEX, fragment: GPUShaderStage.FRAGMENT };
  const usageBits = { vertex: GPUBufferUsage.VERTEX, index: GPUBufferUsage.INDEX };

  const buffers = Object.fromEntries(Object.entries(json.buffers).map(([name, e]) => {
    const buf = device.createBuffer({ label: name, size: e.nbytes, usage: usageBits[e.usage] | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buf, 0, scene.buffers[name]);
    return [name, buf];
  }));

  const pipelines = Object.fromEntries(Object.entries(json.pipelines).map(([kind, p]) => {
    /** @type {Map<number, GPUBindGroupLayoutEntry[]>} */
    const groups = new Map();
    for (const b of p.bindings) {
      const visibility = b.visibility.reduce((bits, s) => bits | stageBits[s], 0);
      if (!groups.has(b.group)) groups.set(b.group, []);
      groups.get(b.group).push({ binding: b.binding, visibility, buffer: { type: b.type } });
    }
    const bindGroupLayouts = [...groups.keys()].sort((a, b) => a - b)
      .map((g) => device.createBindGroupLayout({ label: `${kind} group ${g}`, entries: groups.get(g) }));
    const vl = json.vertex_layouts[p.vertex.vertex_layout];
    const module = (file) => device.createShaderModule({ label: file, code: scene.shaders[file] });
    const pipeline = device.createRenderPipeline({
      label: kind,
      layout: device.createPipelineLayout({ bindGroupLayouts }),
      vertex: {
        module: module(p.vertex.shader),
        entryPoint: p.vertex.entry_point,
        buffers: [{
          arrayStride: vl.array_stride,
          stepMode: vl.step_mode,
          attributes: vl.attributes.map((a) => ({ format: a.format, offset: a.offset, shaderLocation: a.shader_location })),
        }],
      },
      fragment: { module: module(p.fragment.shader), entryPoint: p.fragment.entry_point, targets: [{ format: colorFormat }] },
      primitive: { topology: p.primitive.topology, frontFace: p.primitive.front_face, cullMode: p.primitive.cull_mode },
      depthStencil: {
        format: p.depth_stencil.format,
        depthWriteEnabled: p.depth_stencil.depth_write_enabled,
        depthCompare: p.depth_stencil.depth_compare,
      },
      multisample: { count: p.multisample.count },
    });
    return [kind, { pipeline, bindGroupLayouts, bindings: p.bindings }];
  }));

  const draws = json.draws.map((d) => {
    const pipe = pipelines[d.pipeline];
    const layout = json.uniform_layouts[d.pipeline];
    const uniformBuffer = device.createBuffer({
      label: `${d.name} uniforms`, size: layout.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    const bindGroups = pipe.bindGroupLayouts.map((bgl, g) => device.createBindGroup({
      layout: bgl,
      entries: pipe.bindings.filter((b) => b.group === g).map((b) => ({ binding: b.binding, resource: { buffer: uniformBuffer } })),
    }));
    // Static fields are packed once here; per-frame fields overwrite their slots every frame.
    const unknown = layout.fields.filter((f) => f.per_frame && !PER_FRAME.includes(f.name));
    if (unknown.length) throw new Error(`draw ${d.name}: unknown per-frame uniforms ${unknown.map((f) => f.name)}`);
    const staticLayout = { size: layout.size, fields: layout.fields.filter((f) => !f.per_frame) };
    const frameLayout = { size: layout.size, fields: layout.fields.filter((f) => f.per_frame) };
    const data = packUniforms(staticLayout, d.uniform_values);
    return { json: d, frameLayout, data, uniformBuffer, bindGroups };
  });

  /** @type {{width: number, height: number, msaa: GPUTexture, depth: GPUTexture} | null} */
  let targets = null;
  const samples = json.render.msaa_samples;

  /** Multisampled colour and depth targets, recreated only when the size changes. */
  function targetsFor(width, height) {
    if (targets && targets.width === width && targets.height === height) return targets;
    if (targets) { targets.msaa.destroy(); targets.depth.destroy(); }
    const size = [width, height];
    targets = {
      width, height,
      msaa: device.createTexture({ size, format: colorFormat, sampleCount: samples, usage: GPUTextureUsage.RENDER_ATTACHMENT }),
      depth: device.createTexture({ size, format: json.render.depth_format, sampleCount: samples, usage: GPUTextureUsage.RENDER_ATTACHMENT }),
    };
    return targets;
  }

  return {
    /**
     * Draw the scene at time t into `view` (a single-sample texture view of width x height).
     * @param {GPUTextureView} view
     * @param {number} width
     * @param {number} height
     * @param {number} t  seconds
     */
    render(view, width, height, t) {
      const tg = targetsFor(width, height);
      for (const d of draws) {
        packUniforms(d.frameLayout, frameMatrices(json, d.json, t, width / height), d.data);
        device.queue.writeBuffer(d.uniformBuffer, 0, d.data);
      }
      const [r, g, b, a] = json.background;
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginRenderPass({
        // Only the resolved image is shown, so the multisampled one can be discarded.
        colorAttachments: [{ view: tg.msaa.createView(), resolveTarget: view, clearValue: { r, g, b, a }, loadOp: 'clear', storeOp: 'discard' }],
        depthStencilAttachment: { view: tg.depth.createView(), depthClearValue: 1, depthLoadOp: 'clear', depthStoreOp: 'discard' },
      });
      for (const d of draws) {
        pass.setPipeline(pipelines[d.json.pipeline].pipeline);
        d.bindGroups.forEach((bg, i) => pass.setBindGroup(i, bg));
        pass.setVertexBuffer(0, buffers[d.json.vertex_buffer]);
        pass.setIndexBuffer(buffers[d.json.index_buffer], d.json.index_format);
        pass.drawIndexed(d.json.index_count);
      }
      pass.end();
      device.queue.submit([encoder.finish()]);
    },
    /** Free the GPU objects this renderer created. */
    destroy() {
      if (targets) { targets.msaa.destroy(); targets.depth.destroy(); targets = null; }
      for (const buf of Object.values(buffers)) buf.destroy();
      for (const d of draws) d.uniformBuffer.destroy();
    },
  };
}

/**
 * Draw `scene` on `canvas` every animation frame, keeping the drawing buffer at the canvas's size in device
 * pixels (resize and devicePixelRatio changes included).
 * @param {HTMLCanvasElement} canvas
 * @param {GPUDevice} device
 * @param {LoadedScene} scene
 * @param {{fixedTime?: number | null,
 *          onFrame?: (info: {frame: number, t: number, width: number, height: number}) => void,
 *          onFps?: (fps: number) => void}} [options]
 *   fixedTime freezes the animation at that t (tests, screenshots); onFps is called about twice a second.
 * @returns {{stop: () => void}}
 */
export function runSceneOnCanvas(canvas, device, scene, options = {}) {
  const context = /** @type {GPUCanvasContext} */ (canvas.getContext('webgpu'));
  const format = navigator.gpu.getPreferredCanvasFormat();
  context.configure({ device, format, alphaMode: 'opaque' });
  const renderer = createSceneRenderer(device, scene, format);
  const maxSide = device.limits.maxTextureDimension2D;
  const clampSide = (n) => Math.max(1, Math.min(maxSide, Math.round(n)));

  // Size the drawing buffer now, so the very first frame already has the right size and aspect;
  // the observer keeps it right afterwards.
  const box = canvas.getBoundingClientRect();
  if (box.width > 0 && box.height > 0) {
    canvas.width = clampSide(box.width * devicePixelRatio);
    canvas.height = clampSide(box.height * devicePixelRatio);
  }
  // Size = CSS size x devicePixelRatio. Observing the device-pixel box makes the observer also fire when
  // only the ratio changes (zoom, another monitor), but its reported size is not used: Chromium leaves it
  // unscaled under device-scale emulation (headless tests), where CSS x ratio is right.
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const css = entry.contentBoxSize[0];
      canvas.width = clampSide(css.inlineSize * devicePixelRatio);
      canvas.height = clampSide(css.blockSize * devicePixelRatio);
    }
  });
  try {
    observer.observe(canvas, { box: 'device-pixel-content-box' });
  } catch {
    observer.observe(canvas); // Safari has no device-pixel-content-box
  }

  const fixedTime = options.fixedTime ?? null;
  let start = null;
  let frame = 0;
  let fpsFrames = 0;
  let fpsSince = 0;
  let rafId = 0;
  const tick = (now) => {
    if (start === null) { start = now; fpsSince = now; }
    const t = fixedTime ?? (now - start) / 1000;
    renderer.render(context.getCurrentTexture().createView(), canvas.width, canvas.height, t);
    frame += 1;
    fpsFrames += 1;
    if (now - fpsSince >= 500) {
      options.onFps?.((fpsFrames * 1000) / (now - fpsSince));
      fpsFrames = 0;
      fpsSince = now;
    }
    options.onFrame?.({ frame, t, width: canvas.width, height: canvas.height });
    rafId = requestAnimationFrame(tick);
  };
  rafId = requestAnimationFrame(tick);
  return {
    stop() {
      cancelAnimationFrame(rafId);
      observer.disconnect();
      renderer.destroy();
    },
  };
}
