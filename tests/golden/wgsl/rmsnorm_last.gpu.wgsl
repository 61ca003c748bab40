struct Params {
  n_tokens: u32,
  pos0: u32,
  seed: u32,
  step: u32,
  temperature: f32,
  top_k: u32,
  top_p: f32,
  pad: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> norm_w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;
const D4: u32 = 144u;
const WG: u32 = 64u;
var<workgroup> red: array<vec2<f32>, WG>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t_in = p.n_tokens - 1u;   // the last token's row, written as row 0
  let t_out = 0u;
  var acc = vec2<f32>(0.0, 0.0);
  for (var k = lid; k < D4; k += WG) { let v = x[t_in * D4 + k]; acc += vec2<f32>(dot(v, vec4<f32>(1.0)), dot(v, v)); }
  red[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let sums = red[0];
  let mean = 0.0;
  let r = inverseSqrt(sums.y / f32(D4 * 4u) + 1e-05);
  for (var k = lid; k < D4; k += WG) {
    out[t_out * D4 + k] = (x[t_in * D4 + k] - mean) * r * norm_w[k];
  }
}
