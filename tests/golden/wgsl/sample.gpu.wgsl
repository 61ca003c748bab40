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
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> tokens: array<u32>;
const V: u32 = 49152u;
const WG: u32 = 256u;
const PER: u32 = 192u;
const BISECT: u32 = 32u;
var<workgroup> rf: array<f32, WG>;
var<workgroup> ri: array<u32, WG>;
var<workgroup> kept_total: f32;
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
fn z(i: u32) -> f32 { return logits[i] / p.temperature; }
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
fn main(@builtin(local_invocation_index) lid: u32) {
  let lo = min(lid * PER, V);
  let hi = min(lo + PER, V);
  var best = -3.4e38;
  var best_i = lo;
  for (var i = lo; i < hi; i++) { if (logits[i] > best) { best = logits[i]; best_i = i; } }
  let arg = reduce_argmax(lid, best, best_i);
  if (p.temperature <= 0.0) {
    if (lid == 0u) { tokens[0] = arg; }
    return;
  }
  let mx = logits[arg] / p.temperature;
  var mn = 3.4e38;
  for (var i = lo; i < hi; i++) { mn = min(mn, z(i)); }
  mn = -reduce_max(lid, -mn);
  // top-k: the largest threshold that still keeps >= k tokens.
  var thr = mn;
  if (p.top_k > 0u && p.top_k < V) {
    var a = mn;
    var b = mx;
    for (var it = 0u; it < BISECT; it++) {
      let mid = 0.5 * (a + b);
      let cnt = reduce_sum(lid, mass(lo, hi, mid, mx).y);
      if (cnt >= f32(p.top_k)) { a = mid; } else { b = mid; }
    }
    thr = a;
  }
  // top-p: the largest threshold whose kept mass is still >= top_p of what top-k kept.
  if (p.top_p < 1.0) {
    let total = reduce_sum(lid, mass(lo, hi, thr, mx).x);
    var a = thr;
    var b = mx;
    for (var it = 0u; it < BISECT; it++) {
      let mid = 0.5 * (a + b);
      let m = reduce_sum(lid, mass(lo, hi, mid, mx).x);
      if (m >= p.top_p * total) { a = mid; } else { b = mid; }
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
  let u = f32(pcg(p.seed ^ pcg(p.step)) >> 8u) / 16777216.0 * total;
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
  if (lid == 0u) { tokens[0] = select(chosen, arg, chosen == 0xffffffffu); }   // argmax if rounding left u past every slice
}
