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
const WG: u32 = 256u;
const SPLITS: u32 = 64u;
const SPAN_MIN: u32 = 16u;
const SCALE: f32 = 0.125;
const TQ: u32 = 8u;          // rows per tile
const TILED_MIN: u32 = 64u;   // steps of at least this many rows run the tiled kernel
const NO_SLOT: u32 = 0xFFFFFFFFu;
// The slot of every row of the tile starting at row r0, or NO_SLOT when its rows belong to several.
fn tile_slot(r0: u32) -> u32 {
  let rn = min(TQ, p.n_rows - r0);
  let s = row_slot(r0);
  for (var i = 1u; i < rn; i++) {
    if (row_slot(r0 + i) != s) { return NO_SLOT; }
  }
  return s;
}
// Whether the tiled kernel computes row t in this step.
fn tiled_row(t: u32) -> bool {
  return TILED_MIN > 0u && p.n_rows >= TILED_MIN && tile_slot(t - t % TQ) != NO_SLOT;
}
// (keys per span, spans holding keys) of a row with n_keys keys.
fn spans(n_keys: u32) -> vec2<u32> {
  let span = max(SPAN_MIN, (n_keys + SPLITS - 1u) / SPLITS);
  return vec2<u32>(span, (n_keys + span - 1u) / span);
}
const CHUNK: u32 = 64u;   // keys scored at a time
const KG: u32 = WG / HD;   // key groups: invocation lid accumulates dimension lid % HD of keys kg, kg + KG, ...
var<workgroup> qs: array<vec4<f32>, 48>;
var<workgroup> sc: array<f32, 192>;   // scores of the chunk's keys, per head, then their weights
var<workgroup> red: array<f32, 768>;     // the key groups' partial sums
fn vcache(i: u32) -> f32 { return v_cache[i >> 2u][i & 3u]; }
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x;
  let t = wid.y;
  let s = wid.z;
  if (t >= p.n_rows) { return; }   // uniform: whole workgroup
  if (tiled_row(t)) { return; }   // uniform: attention_tiled takes this row
  let n_keys = row_pos(t) + 1u;
  let sp = spans(n_keys);
  let span = sp.x;
  let used = sp.y;
  if (s >= used) { return; }   // uniform: whole workgroup
  let j0 = s * span;
  let j1 = min(j0 + span, n_keys);
  let base = row_slot(t) * CTX * KV + g * HD;   // this slot's cache, this kv head
  for (var i = lid; i < GROUP * HD4; i += WG) { qs[i] = q[(t * Q + g * GROUP * HD) / 4u + i] * SCALE; }
  workgroupBarrier();
  let d = lid % HD;
  let kg = lid / HD;
  var m0 = -1.0e30;
  var l0 = 0.0;
  var a0 = 0.0;   // key group kg's part of dimension d of head g * GROUP + 0
  var m1 = -1.0e30;
  var l1 = 0.0;
  var a1 = 0.0;   // key group kg's part of dimension d of head g * GROUP + 1
  var m2 = -1.0e30;
  var l2 = 0.0;
  var a2 = 0.0;   // key group kg's part of dimension d of head g * GROUP + 2
  for (var c0 = j0; c0 < j1; c0 += CHUNK) {   // uniform: bounds come from the row and the split
    let n = min(CHUNK, j1 - c0);
    // Scores: one (key, head) pair per invocation.
    for (var e = lid; e < GROUP * CHUNK; e += WG) {
      let h = e / CHUNK;
      let j = e % CHUNK;
      if (j < n) {
        let kb = (base + (c0 + j) * KV) / 4u;
        var sv = 0.0;
        for (var i = 0u; i < HD4; i++) { sv += dot(qs[h * HD4 + i], k_cache[kb + i]); }
        sc[e] = sv;
      }
    }
    workgroupBarrier();
    // Every invocation takes each head's chunk maximum and weight sum in the same order: the same m and l.
    var cm0 = m0;
    for (var jj = 0u; jj < n; jj++) { cm0 = max(cm0, sc[0u * CHUNK + jj]); }
    let corr0 = exp(m0 - cm0);
    m0 = cm0;
    a0 = a0 * corr0;
    l0 = l0 * corr0;
    var cm1 = m1;
    for (var jj = 0u; jj < n; jj++) { cm1 = max(cm1, sc[1u * CHUNK + jj]); }
    let corr1 = exp(m1 - cm1);
    m1 = cm1;
    a1 = a1 * corr1;
    l1 = l1 * corr1;
    var cm2 = m2;
    for (var jj = 0u; jj < n; jj++) { cm2 = max(cm2, sc[2u * CHUNK + jj]); }
    let corr2 = exp(m2 - cm2);
    m2 = cm2;
    a2 = a2 * corr2;
    l2 = l2 * corr2;
    workgroupBarrier();   // all maxima read before the scores become weights
    for (var e = lid; e < GROUP * CHUNK; e += WG) {
      let h = e / CHUNK;
      if (e % CHUNK < n) {
        var mh = m0;
        if (h == 1u) { mh = m1; }
        if (h == 2u) { mh = m2; }
        sc[e] = exp(sc[e] - mh);
      }
    }
    workgroupBarrier();
    for (var jj = 0u; jj < n; jj++) {
      l0 += sc[0u * CHUNK + jj];
      l1 += sc[1u * CHUNK + jj];
      l2 += sc[2u * CHUNK + jj];
    }
    // Values: each is loaded once for every head; key group kg takes keys kg, kg + KG, ...
    for (var jj = kg; jj < n; jj += KG) {
      let v = vcache(base + (c0 + jj) * KV + d);
      a0 += sc[0u * CHUNK + jj] * v;
      a1 += sc[1u * CHUNK + jj] * v;
      a2 += sc[2u * CHUNK + jj] * v;
    }
    workgroupBarrier();   // the next chunk overwrites sc
  }
  // Sum the key groups' parts (in key-group order: the same sum wherever the row is batched).
  red[0u * WG + lid] = a0;
  red[1u * WG + lid] = a1;
  red[2u * WG + lid] = a2;
  workgroupBarrier();
  if (lid >= HD) { return; }
  var sum0 = 0.0;
  for (var r = 0u; r < KG; r++) { sum0 += red[0u * WG + r * HD + d]; }
  if (used == 1u) {
    out[t * Q + (g * GROUP + 0u) * HD + d] = sum0 / l0;
  } else {
    let pb0 = ((t * HEADS + g * GROUP + 0u) * SPLITS + s) * (HD + 2u);
    part[pb0 + d] = sum0;
    if (d == 0u) {
      part[pb0 + HD] = m0;
      part[pb0 + HD + 1u] = l0;
    }
  }
  var sum1 = 0.0;
  for (var r = 0u; r < KG; r++) { sum1 += red[1u * WG + r * HD + d]; }
  if (used == 1u) {
    out[t * Q + (g * GROUP + 1u) * HD + d] = sum1 / l1;
  } else {
    let pb1 = ((t * HEADS + g * GROUP + 1u) * SPLITS + s) * (HD + 2u);
    part[pb1 + d] = sum1;
    if (d == 0u) {
      part[pb1 + HD] = m1;
      part[pb1 + HD + 1u] = l1;
    }
  }
  var sum2 = 0.0;
  for (var r = 0u; r < KG; r++) { sum2 += red[2u * WG + r * HD + d]; }
  if (used == 1u) {
    out[t * Q + (g * GROUP + 2u) * HD + d] = sum2 / l2;
  } else {
    let pb2 = ((t * HEADS + g * GROUP + 2u) * SPLITS + s) * (HD + 2u);
    part[pb2 + d] = sum2;
    if (d == 0u) {
      part[pb2 + HD] = m2;
      part[pb2 + HD + 1u] = l2;
    }
  }
}
