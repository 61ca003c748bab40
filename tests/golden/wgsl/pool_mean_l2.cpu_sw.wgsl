struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ctl: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;
const NO_SRC: u32 = 4294967295u;
fn row_slot(r: u32) -> u32 { return ctl[0u + r * 4u + 0u]; }
fn row_pos(r: u32) -> u32 { return ctl[0u + r * 4u + 1u]; }
fn row_src(r: u32) -> u32 { return ctl[0u + r * 4u + 2u]; }
fn out_row(o: u32) -> u32 { return ctl[4096u + o * 8u + 0u]; }
fn out_seed(o: u32) -> u32 { return ctl[4096u + o * 8u + 1u]; }
fn out_step(o: u32) -> u32 { return ctl[4096u + o * 8u + 2u]; }
fn out_temperature(o: u32) -> f32 { return bitcast<f32>(ctl[4096u + o * 8u + 3u]); }
fn out_top_k(o: u32) -> u32 { return ctl[4096u + o * 8u + 4u]; }
fn out_top_p(o: u32) -> f32 { return bitcast<f32>(ctl[4096u + o * 8u + 5u]); }
const D4: u32 = 96u;
const WG: u32 = 64u;
const PER: u32 = 2u;   // vec4s each invocation holds
var<workgroup> red: array<f32, WG>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.y;
  if (o >= p.n_out) { return; }   // uniform: whole workgroup
  let last = out_row(o);
  let first = last - row_pos(last);
  var v: array<vec4<f32>, PER>;
  var ss = 0.0;
  for (var i = 0u; i < PER; i++) {
    let k = lid + i * WG;
    if (k >= D4) { break; }
    var s = vec4<f32>(0.0);
    for (var r = first; r <= last; r++) { s += x[r * D4 + k]; }
    v[i] = s / f32(last - first + 1u);
    ss += dot(v[i], v[i]);
  }
  red[lid] = ss;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let scale = 1.0 / max(sqrt(red[0]), 1e-12);
  for (var i = 0u; i < PER; i++) {
    let k = lid + i * WG;
    if (k >= D4) { break; }
    out[o * D4 + k] = v[i] * scale;
  }
}
