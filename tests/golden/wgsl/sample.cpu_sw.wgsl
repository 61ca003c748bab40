struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ctl: array<u32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read_write> sampled: array<u32>;
const NO_SRC: u32 = 4294967295u;
fn row_slot(r: u32) -> u32 { return ctl[0u + r * 4u + 0u]; }
fn row_pos(r: u32) -> u32 { return ctl[0u + r * 4u + 1u]; }
fn row_src(r: u32) -> u32 { return ctl[0u + r * 4u + 2u]; }
fn out_row(o: u32) -> u32 { return ctl[256u + o * 8u + 0u]; }
fn out_seed(o: u32) -> u32 { return ctl[256u + o * 8u + 1u]; }
fn out_step(o: u32) -> u32 { return ctl[256u + o * 8u + 2u]; }
fn out_temperature(o: u32) -> f32 { return bitcast<f32>(ctl[256u + o * 8u + 3u]); }
fn out_top_k(o: u32) -> u32 { return ctl[256u + o * 8u + 4u]; }
fn out_top_p(o: u32) -> f32 { return bitcast<f32>(ctl[256u + o * 8u + 5u]); }
const V: u32 = 49152u;
const WG: u32 = 256u;
const PER: u32 = 192u;
const BISECT: u32 = 32u;
var<workgroup> rf: array<f32, WG>;
var<workgroup> ri: array<u32, WG>;
var<workgroup> kept_total: f32;
// Where this workgroup's logits start and its temperature, for z(); set once at the top of main. Control flow
// reads the same values from locals: WGSL's uniformity analysis treats private variables as non-uniform.
var<private> lbase: u32;
var<private> temp: f32;
fn reduce_sum(lid: u32, v: f32) -> f32 {
  rf[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { rf[lid] += rf[lid + s]; }
    workgroupBarrier();
  }
  let r = rf[0];
  workgroupBarrier();
  return r;
}
fn reduce_max(lid: u32, v: f32) -> f32 {
  rf[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { rf[lid] = max(rf[lid], rf[lid + s]); }
    workgroupBarrier();
  }
  let r = rf[0];
  workgroupBarrier();
  return r;
}
// (value, index) argmax; ties go to the lower index, like numpy.
fn reduce_argmax(lid: u32, v: f32, i: u32) -> u32 {
  rf[lid] = v;
  ri[lid] = i;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      let a = rf[lid];
      let b = rf[lid + s];
      if (b > a || (b == a && ri[lid + s] < ri[lid])) { rf[lid] = b; ri[lid] = ri[lid + s]; }
    }
    workgroupBarrier();
  }
  let r = ri[0];
  workgroupBarrier();
  return r;
}
fn reduce_min_u32(lid: u32, v: u32) -> u32 {
  ri[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { ri[lid] = min(ri[lid], ri[lid + s]); }
    workgroupBarrier();
  }
  let r = ri[0];
  workgroupBarrier();
  return r;
}
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
fn z(i: u32) -> f32 { return logits[lbase + i] / temp; }
// Sum over this invocation's slice of exp(z - mx) for z >= thr, and the count of such z.
fn mass(lo: u32, hi: u32, thr: f32, mx: f32) -> vec2<f32> {
  var s = vec2<f32>(0.0, 0.0);
  for (var i = lo; i < hi; i++) {
    let zi = z(i);
    if (zi >= thr) { s += vec2<f32>(exp(zi - mx), 1.0); }
  }
  return s;
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.x;
  if (o >= p.n_out) { return; }   // uniform: whole workgroup
  lbase = o * V;
  let temperature = out_temperature(o);
  temp = temperature;
  let top_k = out_top_k(o);
  let top_p = out_top_p(o);
  let lo = min(lid * PER, V);
  let hi = min(lo + PER, V);
  var best = -3.4e38;
  var best_i = lo;
  for (var i = lo; i < hi; i++) { if (logits[lbase + i] > best) { best = logits[lbase + i]; best_i = i; } }
  let arg = reduce_argmax(lid, best, best_i);
  if (temperature <= 0.0) {
    if (lid == 0u) { sampled[o] = arg; }
    return;
  }
  let mx = logits[lbase + arg] / temperature;
  var mn = 3.4e38;
  for (var i = lo; i < hi; i++) { mn = min(mn, z(i)); }
  mn = -reduce_max(lid, -mn);
  // top-k: the largest threshold that still keeps >= k tokens.
  var thr = mn;
  if (top_k > 0u && top_k < V) {
    var a = mn;
    var b = mx;
    for (var it = 0u; it < BISECT; it++) {
      let mid = 0.5 * (a + b);
      let cnt = reduce_sum(lid, mass(lo, hi, mid, mx).y);
      if (cnt >= f32(top_k)) { a = mid; } else { b = mid; }
    }
    thr = a;
  }
  // top-p: the largest threshold whose kept mass is still >= top_p of what top-k kept.
  if (top_p < 1.0) {
    let total = reduce_sum(lid, mass(lo, hi, thr, mx).x);
    var a = thr;
    var b = mx;
    for (var it = 0u; it < BISECT; it++) {
      let mid = 0.5 * (a + b);
      let m = reduce_sum(lid, mass(lo, hi, mid, mx).x);
      if (m >= top_p * total) { a = mid; } else { b = mid; }
    }
    thr = a;
  }
  // Draw: u in [0, kept mass); find the slice, then the token, by prefix sums in index order.
  let mine = mass(lo, hi, thr, mx).x;
  rf[lid] = mine;
  workgroupBarrier();
  if (lid == 0u) {
    var run = 0.0;
    for (var i = 0u; i < WG; i++) { let v = rf[i]; rf[i] = run; run += v; }
    kept_total = run;
  }
  workgroupBarrier();
  let total = kept_total;
  let u = f32(pcg(out_seed(o) ^ pcg(out_step(o))) >> 8u) / 16777216.0 * total;
  let start = rf[lid];
  // The invocation whose slice holds u scans it; the others offer "none" (0xffffffff).
  var pick = 0xffffffffu;
  if (u >= start && u < start + mine) {
    var run = start;
    for (var i = lo; i < hi; i++) {
      let zi = z(i);
      if (zi >= thr) {
        pick = i;   // the last kept token so far: the answer if rounding leaves u past this slice's sum
        run += exp(zi - mx);
        if (u < run) { break; }
      }
    }
  }
  let chosen = reduce_min_u32(lid, pick);
  if (lid == 0u) { sampled[o] = select(chosen, arg, chosen == 0xffffffffu); }   // argmax if rounding left u past every slice
}
