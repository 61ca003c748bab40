struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ctl: array<u32>;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
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
const D: u32 = 384u;   // width of q (and of k, v)
const QKV: u32 = 1152u;
const HD: u32 = 32u;
const LANES: u32 = 32u;
const ROWS: u32 = 1u;   // rows per workgroup (1 when LANES > 1)
const SCALE: f32 = 0.17677669529663687;
var<workgroup> sm: array<f32, LANES>;
var<workgroup> sl: array<f32, LANES>;
var<workgroup> sacc: array<f32, 1024>;
@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.x;
  let t = wid.y;
  let lane = lid;
  if (t >= p.n_rows) { return; }   // uniform: whole workgroup
  let slot = row_slot(t);
  let first = t - row_pos(t);      // the sentence's first row ([CLS])
  var qv: array<f32, HD>;
  for (var d = 0u; d < HD; d++) { qv[d] = qkv[t * QKV + h * HD + d] * SCALE; }
  var m = -1.0e30;   // finite, so exp(m - m_new) is 0 rather than NaN for lanes without keys
  var l = 0.0;
  var acc: array<f32, HD>;
  for (var j = first + lane; j < p.n_rows; j += LANES) {
    if (row_slot(j) != slot) { break; }   // past the sentence's last row
    let kb = j * QKV + D + h * HD;
    var s = 0.0;
    for (var d = 0u; d < HD; d++) { s += qv[d] * qkv[kb + d]; }
    let m_new = max(m, s);
    let corr = exp(m - m_new);
    let e = exp(s - m_new);
    l = l * corr + e;
    for (var d = 0u; d < HD; d++) { acc[d] = acc[d] * corr + e * qkv[kb + D + d]; }
    m = m_new;
  }
  sm[lane] = m;
  sl[lane] = l;
  for (var d = 0u; d < HD; d++) { sacc[lane * HD + d] = acc[d]; }
  workgroupBarrier();
  var mx = -1.0e30;
  for (var i = 0u; i < LANES; i++) { mx = max(mx, sm[i]); }
  var den = 0.0;
  for (var i = 0u; i < LANES; i++) { den += exp(sm[i] - mx) * sl[i]; }
  for (var d = lane; d < HD; d += LANES) {
    var num = 0.0;
    for (var i = 0u; i < LANES; i++) { num += exp(sm[i] - mx) * sacc[i * HD + d]; }
    out[t * D + h * HD + d] = num / den;
  }
}
