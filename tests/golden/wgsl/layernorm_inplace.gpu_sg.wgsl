struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> norm_w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> norm_b: array<vec4<f32>>;
const D4: u32 = 96u;
const WG: u32 = 64u;
var<workgroup> red: array<vec2<f32>, WG>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t_in = wid.y;
  let t_out = wid.y;
  if (t_in >= p.n_rows) { return; }   // uniform: whole workgroup
  var acc = vec2<f32>(0.0, 0.0);
  for (var k = lid; k < D4; k += WG) { let v = x[t_in * D4 + k]; acc += vec2<f32>(dot(v, vec4<f32>(1.0)), dot(v, v)); }
  red[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let sums = red[0];
  let mean = sums.x / f32(D4 * 4u);
  let r = inverseSqrt(max(sums.y / f32(D4 * 4u) - mean * mean, 0.0) + 1e-12);
  for (var k = lid; k < D4; k += WG) {
    x[t_out * D4 + k] = (x[t_in * D4 + k] - mean) * r * norm_w[k] + norm_b[k];
  }
}
