struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ctl: array<u32>;
@group(0) @binding(2) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> k_cache: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> v_cache: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> part: array<f32>;
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
const Q: u32 = 576u;
const KV: u32 = 192u;
const HD: u32 = 64u;
const HD4: u32 = 16u;
const HEADS: u32 = 9u;
const GROUP: u32 = 3u;    // query heads per kv head (GQA)
const CTX: u32 = 2048u;    // cache rows per slot
const WG: u32 = 64u;
const SPLITS: u32 = 32u;
const SPAN_MIN: u32 = 16u;
const SCALE: f32 = 0.125;
var<workgroup> qs: array<vec4<f32>, 48>;
var<workgroup> sc: array<f32, 192>;   // scores of the chunk's keys, per head
var<workgroup> pr: array<f32, 192>;   // their weights exp(score - running max)
fn vcache(i: u32) -> f32 { return v_cache[i >> 2u][i & 3u]; }
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x;
  let t = wid.y;
  let s = wid.z;
  if (t >= p.n_rows) { return; }   // uniform: whole workgroup
  let n_keys = row_pos(t) + 1u;
  let span = max(SPAN_MIN, (n_keys + SPLITS - 1u) / SPLITS);
  let used = (n_keys + span - 1u) / span;   // spans holding keys
  if (s >= used) { return; }   // uniform: whole workgroup
  let j0 = s * span;
  let j1 = min(j0 + span, n_keys);
  let base = row_slot(t) * CTX * KV + g * HD;   // this slot's cache, this kv head
  for (var i = lid; i < GROUP * HD4; i += WG) { qs[i] = q[(t * Q + g * GROUP * HD) / 4u + i] * SCALE; }
  workgroupBarrier();
  var m0 = -1.0e30;
  var l0 = 0.0;
  var a0 = 0.0;   // dimension lid of head g * GROUP + 0
  var m1 = -1.0e30;
  var l1 = 0.0;
  var a1 = 0.0;   // dimension lid of head g * GROUP + 1
  var m2 = -1.0e30;
  var l2 = 0.0;
  var a2 = 0.0;   // dimension lid of head g * GROUP + 2
  for (var c0 = j0; c0 < j1; c0 += WG) {   // uniform: bounds come from the row and the split
    let n = min(WG, j1 - c0);
    if (lid < n) {   // one key per invocation, scored for every head of the group
      let kb = (base + (c0 + lid) * KV) / 4u;
      var s0 = 0.0;
      var s1 = 0.0;
      var s2 = 0.0;
      for (var i = 0u; i < HD4; i++) {
        let kv4 = k_cache[kb + i];
        s0 += dot(qs[0u * HD4 + i], kv4);
        s1 += dot(qs[1u * HD4 + i], kv4);
        s2 += dot(qs[2u * HD4 + i], kv4);
      }
      sc[0u * WG + lid] = s0;
      sc[1u * WG + lid] = s1;
      sc[2u * WG + lid] = s2;
    }
    workgroupBarrier();
    var cm0 = m0;
    for (var jj = 0u; jj < n; jj++) { cm0 = max(cm0, sc[0u * WG + jj]); }
    let corr0 = exp(m0 - cm0);
    m0 = cm0;
    if (lid < n) { pr[0u * WG + lid] = exp(sc[0u * WG + lid] - cm0); }
    var cm1 = m1;
    for (var jj = 0u; jj < n; jj++) { cm1 = max(cm1, sc[1u * WG + jj]); }
    let corr1 = exp(m1 - cm1);
    m1 = cm1;
    if (lid < n) { pr[1u * WG + lid] = exp(sc[1u * WG + lid] - cm1); }
    var cm2 = m2;
    for (var jj = 0u; jj < n; jj++) { cm2 = max(cm2, sc[2u * WG + jj]); }
    let corr2 = exp(m2 - cm2);
    m2 = cm2;
    if (lid < n) { pr[2u * WG + lid] = exp(sc[2u * WG + lid] - cm2); }
    workgroupBarrier();
    var ls0 = l0 * corr0;
    a0 = a0 * corr0;
    var ls1 = l1 * corr1;
    a1 = a1 * corr1;
    var ls2 = l2 * corr2;
    a2 = a2 * corr2;
    for (var jj = 0u; jj < n; jj++) {   // every invocation sums the weights in the same order: the same l
      ls0 += pr[0u * WG + jj];
      ls1 += pr[1u * WG + jj];
      ls2 += pr[2u * WG + jj];
    }
    l0 = ls0;
    l1 = ls1;
    l2 = ls2;
    if (lid < HD) {   // one head dimension per invocation: each value is loaded once for every head
      var jj = 0u;
      for (; jj + 4u <= n; jj += 4u) {
        let vb = base + (c0 + jj) * KV + lid;
        let v0 = vcache(vb);
        let v1 = vcache(vb + KV);
        let v2 = vcache(vb + 2u * KV);
        let v3 = vcache(vb + 3u * KV);
        a0 += pr[0u * WG + jj] * v0 + pr[0u * WG + jj + 1u] * v1 + pr[0u * WG + jj + 2u] * v2 + pr[0u * WG + jj + 3u] * v3;
        a1 += pr[1u * WG + jj] * v0 + pr[1u * WG + jj + 1u] * v1 + pr[1u * WG + jj + 2u] * v2 + pr[1u * WG + jj + 3u] * v3;
        a2 += pr[2u * WG + jj] * v0 + pr[2u * WG + jj + 1u] * v1 + pr[2u * WG + jj + 2u] * v2 + pr[2u * WG + jj + 3u] * v3;
      }
      for (; jj < n; jj++) {
        let v0 = vcache(base + (c0 + jj) * KV + lid);
        a0 += pr[0u * WG + jj] * v0;
        a1 += pr[1u * WG + jj] * v0;
        a2 += pr[2u * WG + jj] * v0;
      }
    }
    workgroupBarrier();   // the next chunk overwrites sc and pr
  }
  if (lid >= HD) { return; }
  if (used == 1u) {
    out[t * Q + (g * GROUP + 0u) * HD + lid] = a0 / l0;
  } else {
    let pb0 = ((t * HEADS + g * GROUP + 0u) * SPLITS + s) * (HD + 2u);
    part[pb0 + lid] = a0;
    if (lid == 0u) {
      part[pb0 + HD] = m0;
      part[pb0 + HD + 1u] = l0;
    }
  }
  if (used == 1u) {
    out[t * Q + (g * GROUP + 1u) * HD + lid] = a1 / l1;
  } else {
    let pb1 = ((t * HEADS + g * GROUP + 1u) * SPLITS + s) * (HD + 2u);
    part[pb1 + lid] = a1;
    if (lid == 0u) {
      part[pb1 + HD] = m1;
      part[pb1 + HD + 1u] = l1;
    }
  }
  if (used == 1u) {
    out[t * Q + (g * GROUP + 2u) * HD + lid] = a2 / l2;
  } else {
    let pb2 = ((t * HEADS + g * GROUP + 2u) * SPLITS + s) * (HD + 2u);
    part[pb2 + lid] = a2;
    if (lid == 0u) {
      part[pb2 + HD] = m2;
      part[pb2 + HD + 1u] = l2;
    }
  }
}
