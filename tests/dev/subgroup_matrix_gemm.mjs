/**
 * Tensor cores from WebGPU: an int8 GEMM through Dawn's `chromium-experimental-subgroup-matrix` beside an f32 GEMM of
 * the same shape on the plain cores, in node on Dawn (npm `webgpu`), on this machine's Vulkan adapter.
 *
 * Development script, not collected by pytest:  node tests/dev/subgroup_matrix_gemm.mjs [M N K]
 * (default 512 3072 576: SmolLM2's gate|up at a 512-token prompt; M a multiple of 64, N of 64, K of 32);
 * DUMP=1 prints the scaled kernel's WGSL and exits.
 *
 * Why: wgpu-native refuses its `cooperative-matrix` feature as experimental, so the native runtime has no tensor
 * cores; Dawn offers subgroup matrices once `allow_unsafe_apis` is on (Chrome: --enable-unsafe-webgpu). On an H200
 * (driver 580.159.04) its configs are 8-bit integer only (u8/i8 in, 32-bit out; 16 x 16 x 32 and 16 x 8 x 32) and it
 * offers no shader-f16, so a prompt's GEMMs could reach the tensor cores only as int8: Q4 weights are exact as i8,
 * x would be quantized per 32-input block (the Q4 blocks' own width) and each block's i32 products scaled by both
 * blocks' scales. This script times the integer GEMM itself (no Q4 decoding), without the scales and with them
 * (each block's products through workgroup memory, then scaled and added in f32), each subgroup loading its
 * 16 x 32 and 32 x 16 operands straight from storage (no staging). Each kernel's outputs are checked at 500 random
 * places (exactly for integers, to 1e-5 relative when scaled) before its time is printed. Times are
 * timestamp queries over 50 dispatches in one pass (Dawn's rounding of timestamps turned off), median of 7.
 * Without the feature (SwiftShader), only the f32 kernel runs.
 */
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
globalThis.navigator = { gpu: create(['backend=vulkan', 'enable-dawn-features=allow_unsafe_apis',
  'disable-dawn-features=timestamp_quantization']) };
const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
const want = ['chromium-experimental-subgroup-matrix', 'subgroups', 'timestamp-query'].filter((f) => adapter.features.has(f));
const device = await adapter.requestDevice({ requiredFeatures: want });
const hasSgm = want.includes('chromium-experimental-subgroup-matrix');
device.onuncapturederror = (e) => console.log('uncaptured', e.error.message);
const M = +(process.argv[2] ?? 512), N = +(process.argv[3] ?? 3072), K = +(process.argv[4] ?? 576);
let seed = 7; const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
const x8 = new Int8Array(M * K).map(() => Math.floor(rnd() * 255) - 127);
const w8 = new Int8Array(N * K).map(() => Math.floor(rnd() * 16));
const buf = (a) => { const b = device.createBuffer({ size: Math.max(16, a.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(b, 0, a.buffer, 0, a.byteLength); return b; };
const bX = buf(x8), bW = buf(w8);
const bXf = buf(Float32Array.from(x8)), bWf = buf(Float32Array.from(w8));
const out = device.createBuffer({ size: M * N * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
const rb = device.createBuffer({ size: M * N * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
const NB = K / 32;
const dx = Float32Array.from({ length: M * NB }, () => 0.01 + 0.01 * rnd());   // x's scale per token and block
const dw = Float32Array.from({ length: N * NB }, () => 0.01 + 0.01 * rnd());   // w's scale per row and block
const bDX = buf(dx), bDW = buf(dw);
const NT = 4;   // 16 x 16 result tiles per subgroup along N
const TILES = [...Array(NT).keys()];
const sgm = `enable subgroups;
enable chromium_experimental_subgroup_matrix;
@group(0) @binding(0) var<storage, read> xs: array<i32>;
@group(0) @binding(1) var<storage, read> ws: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<i32>;
@compute @workgroup_size(128)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_id) sg: u32) {
  let r0 = wid.y * 64u + sg * 16u;
  let c0 = wid.x * ${16 * NT}u;
${TILES.map((t) => `  var acc${t} = subgroup_matrix_result<i32, 16, 16>();`).join('\n')}
  for (var k = 0u; k < ${K}u; k += 32u) {
    let a = subgroupMatrixLoad<subgroup_matrix_left<i8, 32, 16>>(&xs, r0 * ${K}u + k, false, ${K}u);
${TILES.map((t) => `    let b${t} = subgroupMatrixLoad<subgroup_matrix_right<i8, 16, 32>>(&ws, (c0 + ${16 * t}u) * ${K}u + k, true, ${K}u);
    acc${t} = subgroupMatrixMultiplyAccumulate(a, b${t}, acc${t});`).join('\n')}
  }
${TILES.map((t) => `  subgroupMatrixStore(&out, r0 * ${N}u + c0 + ${16 * t}u, acc${t}, false, ${N}u);`).join('\n')}
}`;
// The Q4 x Q8 shape: one product per 32-input block (the config's K), its i32 tiles stored to workgroup memory and
// added into f32 sums, 8 per lane and tile, scaled by the token's and the row's scales of that block.
const L = [...Array(NT * 8).keys()];
const sgmScaled = `enable subgroups;
enable chromium_experimental_subgroup_matrix;
@group(0) @binding(0) var<storage, read> xs: array<i32>;
@group(0) @binding(1) var<storage, read> ws: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> dx: array<f32>;
@group(0) @binding(4) var<storage, read> dw: array<f32>;
var<workgroup> tile: array<i32, ${4 * NT * 256}>;   // [subgroup][tile][16 x 16]
@compute @workgroup_size(128)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_id) sg: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  let r0 = wid.y * 64u + sg * 16u;
  let c0 = wid.x * ${16 * NT}u;
${L.map((i) => `  var v${i} = 0.0;`).join('\n')}
  for (var b = 0u; b < ${NB}u; b++) {
    let a = subgroupMatrixLoad<subgroup_matrix_left<i8, 32, 16>>(&xs, r0 * ${K}u + 32u * b, false, ${K}u);
${TILES.map((t) => `    subgroupMatrixStore(&tile, (sg * ${NT}u + ${t}u) * 256u, subgroupMatrixMultiply<i32>(a,
      subgroupMatrixLoad<subgroup_matrix_right<i8, 16, 32>>(&ws, (c0 + ${16 * t}u) * ${K}u + 32u * b, true, ${K}u)), false, 16u);`).join('\n')}
    workgroupBarrier();
${L.map((i) => { const t = i >> 3, e = i & 7; return `    { let at = lane * 8u + ${e}u;
      v${i} += f32(tile[(sg * ${NT}u + ${t}u) * 256u + at]) * dx[(r0 + at / 16u) * ${NB}u + b] * dw[(c0 + ${16 * t}u + at % 16u) * ${NB}u + b]; }`; }).join('\n')}
    workgroupBarrier();
  }
${L.map((i) => { const t = i >> 3, e = i & 7; return `  { let at = lane * 8u + ${e}u; out[(r0 + at / 16u) * ${N}u + c0 + ${16 * t}u + at % 16u] = v${i}; }`; }).join('\n')}
}`;
if (process.env.DUMP) { console.log(sgmScaled); process.exit(0); }   // the scaled kernel's WGSL, to read
// f32 reference kernel: 64 x 64 tile, 256 invocations of 4 x 4 outputs, x and w staged in workgroup memory by 16-k slices
const f32k = `@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read> ws: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
var<workgroup> xa: array<vec4<f32>, 256>;   // [k 16][row quad 16]
var<workgroup> wa: array<vec4<f32>, 256>;   // [k 16][col quad 16]
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let r0 = wid.y * 64u; let c0 = wid.x * 64u; let tx = l % 16u; let ty = l / 16u;
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < ${K}u; k0 += 16u) {
    let kk = l % 16u; let q = l / 16u;
    xa[kk * 16u + q] = vec4<f32>(xs[(r0 + 4u * q) * ${K}u + k0 + kk], xs[(r0 + 4u * q + 1u) * ${K}u + k0 + kk], xs[(r0 + 4u * q + 2u) * ${K}u + k0 + kk], xs[(r0 + 4u * q + 3u) * ${K}u + k0 + kk]);
    wa[kk * 16u + q] = vec4<f32>(ws[(c0 + 4u * q) * ${K}u + k0 + kk], ws[(c0 + 4u * q + 1u) * ${K}u + k0 + kk], ws[(c0 + 4u * q + 2u) * ${K}u + k0 + kk], ws[(c0 + 4u * q + 3u) * ${K}u + k0 + kk]);
    workgroupBarrier();
    for (var k = 0u; k < 16u; k++) {
      let xv = xa[k * 16u + ty]; let wv = wa[k * 16u + tx];
      a0 = fma(vec4<f32>(xv.x), wv, a0); a1 = fma(vec4<f32>(xv.y), wv, a1); a2 = fma(vec4<f32>(xv.z), wv, a2); a3 = fma(vec4<f32>(xv.w), wv, a3);
    }
    workgroupBarrier();
  }
  let o = (r0 + 4u * ty) * ${N}u + c0 + 4u * tx;
  for (var j = 0u; j < 4u; j++) {
    out[o + j] = a0[j]; out[o + ${N}u + j] = a1[j]; out[o + ${2 * N}u + j] = a2[j]; out[o + ${3 * N}u + j] = a3[j];
  }
}`;
const qs = device.createQuerySet({ type: 'timestamp', count: 2 });
const qb = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
const qr = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
// kind: 'f32' (float outputs, integer-valued), 'i8' (i32 outputs) or 'scaled' (float outputs, per-block scales)
async function run(name, src, buffers, grid, kind) {
  const mod = device.createShaderModule({ code: src });
  for (const m of (await mod.getCompilationInfo()).messages) console.log(name, m.type, m.message);
  const pipe = device.createComputePipeline({ layout: 'auto', compute: { module: mod, entryPoint: 'main' } });
  const bg = device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) });
  const time = async (reps) => {
    const enc = device.createCommandEncoder();
    const p = enc.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
    p.setPipeline(pipe); p.setBindGroup(0, bg); for (let i = 0; i < reps; i++) p.dispatchWorkgroups(...grid); p.end();
    enc.resolveQuerySet(qs, 0, 2, qb, 0); enc.copyBufferToBuffer(qb, 0, qr, 0, 16); device.queue.submit([enc.finish()]);
    await qr.mapAsync(GPUMapMode.READ); const t = new BigUint64Array(qr.getMappedRange().slice(0)); qr.unmap();
    return Number(t[1] - t[0]) / 1e6 / reps; };
  for (let i = 0; i < 5; i++) await time(50);
  const ts = []; for (let i = 0; i < 7; i++) ts.push(await time(50)); ts.sort((a, b) => a - b);
  const enc = device.createCommandEncoder(); enc.copyBufferToBuffer(out, 0, rb, 0, M * N * 4); device.queue.submit([enc.finish()]);
  await rb.mapAsync(GPUMapMode.READ); const got = kind === 'i8' ? new Int32Array(rb.getMappedRange().slice(0)) : new Float32Array(rb.getMappedRange().slice(0)); rb.unmap();
  let bad = 0;
  for (let s = 0; s < 500; s++) { const i = Math.floor(rnd() * M), j = Math.floor(rnd() * N); let ref = 0;
    for (let b = 0; b < NB; b++) { let dot = 0; for (let k = 32 * b; k < 32 * b + 32; k++) dot += x8[i * K + k] * w8[j * K + k];
      ref += kind === 'scaled' ? dot * dx[i * NB + b] * dw[j * NB + b] : dot; }
    const ok = kind === 'scaled' ? Math.abs(got[i * N + j] - ref) <= 1e-5 * Math.abs(ref) + 1e-6 : got[i * N + j] === ref;
    if (!ok) { if (bad < 3) console.log(name, 'mismatch', i, j, got[i * N + j], ref); bad++; } }
  const tflops = 2 * M * N * K / (ts[3] * 1e-3) / 1e12;
  console.log(`${name}: ${M}x${N}x${K} median ${(ts[3] * 1000).toFixed(1)} us (best ${(ts[0] * 1000).toFixed(1)}), ${tflops.toFixed(1)} T(FL)OPS, ${bad} of 500 sampled outputs wrong`);
}
for (let r = 0; r < 2; r++) {
  await run('f32 fma, 64x64 tiles', f32k, [bXf, bWf, out], [N / 64, M / 64], 'f32');
  if (!hasSgm) continue;
  await run('i8 subgroup matrix  ', sgm, [bX, bW, out], [N / (16 * NT), M / 64], 'i8');
  await run('i8, scaled per block', sgmScaled, [bX, bW, out, bDX, bDW], [N / (16 * NT), M / 64], 'scaled');
}
process.exit(0);
