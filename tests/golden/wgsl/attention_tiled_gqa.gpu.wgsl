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
const NO_SRC: u32 = 4294967295u;
fn row_slot(r: u32) -> u32 { return ctl[0u + r * 4u + 0u]; }
fn row_pos(r: u32) -> u32 { return ctl[0u + r * 4u + 1u]; }
fn row_src(r: u32) -> u32 { return ctl[0u + r * 4u + 2u]; }
fn out_row(o: u32) -> u32 { return ctl[1024u + o * 8u + 0u]; }
fn out_seed(o: u32) -> u32 { return ctl[1024u + o * 8u + 1u]; }
fn out_step(o: u32) -> u32 { return ctl[1024u + o * 8u + 2u]; }
fn out_temperature(o: u32) -> f32 { return bitcast<f32>(ctl[1024u + o * 8u + 3u]); }
fn out_top_k(o: u32) -> u32 { return ctl[1024u + o * 8u + 4u]; }
fn out_top_p(o: u32) -> f32 { return bitcast<f32>(ctl[1024u + o * 8u + 5u]); }
const Q: u32 = 576u;
const KV: u32 = 192u;
const HD: u32 = 64u;
const HD4: u32 = 16u;
const GROUP: u32 = 3u;    // query heads per kv head (GQA)
const CTX: u32 = 2048u;    // cache rows per slot
const CK: u32 = 24u;       // keys staged at a time
const KL: u32 = 4u;       // invocations per (row, head) pair
const NP: u32 = 24u;    // (row, head) pairs per tile
const WG: u32 = 96u;
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
// Staged keys, KSTR vec4s apart: with KL > 1 a warp that holds invocations of several lanes reads as many keys at
// once, and one vec4 of padding puts them in different banks.
const KSTR: u32 = 17u;
var<workgroup> ks: array<vec4<f32>, 408>;
var<workgroup> vs: array<vec4<f32>, 408>;
var<workgroup> mrg: array<vec4<f32>, WG>;   // the merge: each invocation's (max, sum), then its outputs
// This invocation's shares (elements lid, lid + WG, ...) of the keys and values of the chunk starting at key c0,
// up to key `last`: none past it.
fn stage_fetch(base: u32, c0: u32, last: u32, k0: ptr<function, vec4<f32>>, v0: ptr<function, vec4<f32>>, k1: ptr<function, vec4<f32>>, v1: ptr<function, vec4<f32>>, k2: ptr<function, vec4<f32>>, v2: ptr<function, vec4<f32>>, k3: ptr<function, vec4<f32>>, v3: ptr<function, vec4<f32>>, lid: u32) {
  if (c0 > last) { return; }
  let n = min(CK, last + 1u - c0);
  {
    let e = lid + 0u * WG;
    if (e < n * HD4) {
      let kv = base + (c0 + e / HD4) * (KV / 4u) + e % HD4;
      *k0 = k_cache[kv];
      *v0 = v_cache[kv];
    }
  }
  {
    let e = lid + 1u * WG;
    if (e < n * HD4) {
      let kv = base + (c0 + e / HD4) * (KV / 4u) + e % HD4;
      *k1 = k_cache[kv];
      *v1 = v_cache[kv];
    }
  }
  {
    let e = lid + 2u * WG;
    if (e < n * HD4) {
      let kv = base + (c0 + e / HD4) * (KV / 4u) + e % HD4;
      *k2 = k_cache[kv];
      *v2 = v_cache[kv];
    }
  }
  {
    let e = lid + 3u * WG;
    if (e < n * HD4) {
      let kv = base + (c0 + e / HD4) * (KV / 4u) + e % HD4;
      *k3 = k_cache[kv];
      *v3 = v_cache[kv];
    }
  }
}
@compute @workgroup_size(96)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x;
  let r0 = wid.y * TQ;
  if (r0 >= p.n_rows || p.n_rows < TILED_MIN) { return; }   // uniform: whole workgroup
  let slot = tile_slot(r0);
  if (slot == NO_SLOT) { return; }   // uniform: the split kernel takes these rows
  let rn = min(TQ, p.n_rows - r0);
  var last = 0u;   // the tile's largest position: keys 0..last are staged
  for (var i = 0u; i < rn; i++) { last = max(last, row_pos(r0 + i)); }
  let pair = lid % NP;   // lane-major: lane kl of every pair, then lane kl + 1
  let kl = lid / NP;
  let i = pair / GROUP;
  let h = pair % GROUP;
  let t = r0 + min(i, rn - 1u);   // past the tile's end: a copy of its last row, never stored
  let pos = row_pos(t);
  let base = (slot * CTX * KV + g * HD) / 4u;   // key 0 of this kv head in this slot's cache, in vec4s
  let qb = (t * Q + (g * GROUP + h) * HD) / 4u;
  let q0 = q[qb + 0u] * SCALE;
  var a0 = vec4<f32>(0.0);
  let q1 = q[qb + 1u] * SCALE;
  var a1 = vec4<f32>(0.0);
  let q2 = q[qb + 2u] * SCALE;
  var a2 = vec4<f32>(0.0);
  let q3 = q[qb + 3u] * SCALE;
  var a3 = vec4<f32>(0.0);
  let q4 = q[qb + 4u] * SCALE;
  var a4 = vec4<f32>(0.0);
  let q5 = q[qb + 5u] * SCALE;
  var a5 = vec4<f32>(0.0);
  let q6 = q[qb + 6u] * SCALE;
  var a6 = vec4<f32>(0.0);
  let q7 = q[qb + 7u] * SCALE;
  var a7 = vec4<f32>(0.0);
  let q8 = q[qb + 8u] * SCALE;
  var a8 = vec4<f32>(0.0);
  let q9 = q[qb + 9u] * SCALE;
  var a9 = vec4<f32>(0.0);
  let q10 = q[qb + 10u] * SCALE;
  var a10 = vec4<f32>(0.0);
  let q11 = q[qb + 11u] * SCALE;
  var a11 = vec4<f32>(0.0);
  let q12 = q[qb + 12u] * SCALE;
  var a12 = vec4<f32>(0.0);
  let q13 = q[qb + 13u] * SCALE;
  var a13 = vec4<f32>(0.0);
  let q14 = q[qb + 14u] * SCALE;
  var a14 = vec4<f32>(0.0);
  let q15 = q[qb + 15u] * SCALE;
  var a15 = vec4<f32>(0.0);
  var m = -1.0e30;
  var l = 0.0;
  // Software pipelining: each invocation holds its shares of the next chunk's keys and values in registers
  // (kn*, vn*), loaded before it computes the current chunk, so a chunk's memory latency overlaps the arithmetic
  // of the one before. Loaded when the chunk is staged, a tile's loop waited for memory at every chunk: on an H200
  // the tiled attention of a 512-row step (SmolLM2's shapes) took 2.62 ms that way and 2.31 ms this way (two runs
  // each). Scoring a lane's keys of a chunk first and rescaling its sums once per chunk gained nothing (2.34 ms).
  var kn0 = vec4<f32>(0.0);
  var vn0 = vec4<f32>(0.0);
  var kn1 = vec4<f32>(0.0);
  var vn1 = vec4<f32>(0.0);
  var kn2 = vec4<f32>(0.0);
  var vn2 = vec4<f32>(0.0);
  var kn3 = vec4<f32>(0.0);
  var vn3 = vec4<f32>(0.0);
  stage_fetch(base, 0u, last, &kn0, &vn0, &kn1, &vn1, &kn2, &vn2, &kn3, &vn3, lid);
  for (var c0 = 0u; c0 <= last; c0 += CK) {   // uniform: bounds come from the tile
    let n = min(CK, last + 1u - c0);
    if (lid + 0u * WG < n * HD4) {
      let e = lid + 0u * WG;
      let si = e / HD4 * KSTR + e % HD4;
      ks[si] = kn0;
      vs[si] = vn0;
    }
    if (lid + 1u * WG < n * HD4) {
      let e = lid + 1u * WG;
      let si = e / HD4 * KSTR + e % HD4;
      ks[si] = kn1;
      vs[si] = vn1;
    }
    if (lid + 2u * WG < n * HD4) {
      let e = lid + 2u * WG;
      let si = e / HD4 * KSTR + e % HD4;
      ks[si] = kn2;
      vs[si] = vn2;
    }
    if (lid + 3u * WG < n * HD4) {
      let e = lid + 3u * WG;
      let si = e / HD4 * KSTR + e % HD4;
      ks[si] = kn3;
      vs[si] = vn3;
    }
    workgroupBarrier();
    stage_fetch(base, c0 + CK, last, &kn0, &vn0, &kn1, &vn1, &kn2, &vn2, &kn3, &vn3, lid);
    // Keys j and j + KL at once; past the chunk or the row's position the second is key j again, of weight 0.
    for (var j = kl; j < n; j += 2u * KL) {
      if (c0 + j <= pos) {
        let ok2 = j + KL < n && c0 + j + KL <= pos;
        let kb = j * KSTR;
        let kb2 = select(j, j + KL, ok2) * KSTR;
        let s = ((dot(q0, ks[kb + 0u]) + dot(q4, ks[kb + 4u]) + dot(q8, ks[kb + 8u]) + dot(q12, ks[kb + 12u])) + (dot(q1, ks[kb + 1u]) + dot(q5, ks[kb + 5u]) + dot(q9, ks[kb + 9u]) + dot(q13, ks[kb + 13u]))) + ((dot(q2, ks[kb + 2u]) + dot(q6, ks[kb + 6u]) + dot(q10, ks[kb + 10u]) + dot(q14, ks[kb + 14u])) + (dot(q3, ks[kb + 3u]) + dot(q7, ks[kb + 7u]) + dot(q11, ks[kb + 11u]) + dot(q15, ks[kb + 15u])));
        let s2 = select(-1.0e30, ((dot(q0, ks[kb2 + 0u]) + dot(q4, ks[kb2 + 4u]) + dot(q8, ks[kb2 + 8u]) + dot(q12, ks[kb2 + 12u])) + (dot(q1, ks[kb2 + 1u]) + dot(q5, ks[kb2 + 5u]) + dot(q9, ks[kb2 + 9u]) + dot(q13, ks[kb2 + 13u]))) + ((dot(q2, ks[kb2 + 2u]) + dot(q6, ks[kb2 + 6u]) + dot(q10, ks[kb2 + 10u]) + dot(q14, ks[kb2 + 14u])) + (dot(q3, ks[kb2 + 3u]) + dot(q7, ks[kb2 + 7u]) + dot(q11, ks[kb2 + 11u]) + dot(q15, ks[kb2 + 15u]))), ok2);
        let mn = max(m, max(s, s2));
        let c = exp(m - mn);
        let w = exp(s - mn);
        let w2 = exp(s2 - mn);
        l = l * c + w + w2;
        m = mn;
        a0 = a0 * c + w * vs[kb + 0u] + w2 * vs[kb2 + 0u];
        a1 = a1 * c + w * vs[kb + 1u] + w2 * vs[kb2 + 1u];
        a2 = a2 * c + w * vs[kb + 2u] + w2 * vs[kb2 + 2u];
        a3 = a3 * c + w * vs[kb + 3u] + w2 * vs[kb2 + 3u];
        a4 = a4 * c + w * vs[kb + 4u] + w2 * vs[kb2 + 4u];
        a5 = a5 * c + w * vs[kb + 5u] + w2 * vs[kb2 + 5u];
        a6 = a6 * c + w * vs[kb + 6u] + w2 * vs[kb2 + 6u];
        a7 = a7 * c + w * vs[kb + 7u] + w2 * vs[kb2 + 7u];
        a8 = a8 * c + w * vs[kb + 8u] + w2 * vs[kb2 + 8u];
        a9 = a9 * c + w * vs[kb + 9u] + w2 * vs[kb2 + 9u];
        a10 = a10 * c + w * vs[kb + 10u] + w2 * vs[kb2 + 10u];
        a11 = a11 * c + w * vs[kb + 11u] + w2 * vs[kb2 + 11u];
        a12 = a12 * c + w * vs[kb + 12u] + w2 * vs[kb2 + 12u];
        a13 = a13 * c + w * vs[kb + 13u] + w2 * vs[kb2 + 13u];
        a14 = a14 * c + w * vs[kb + 14u] + w2 * vs[kb2 + 14u];
        a15 = a15 * c + w * vs[kb + 15u] + w2 * vs[kb2 + 15u];
      }
    }
    workgroupBarrier();   // the next chunk overwrites ks and vs
  }
  let o = t * Q + (g * GROUP + h) * HD;
  // Merge the pair's KL states: each scales its sums to the pair's max and total, then lane 0 adds them up, one
  // vec4 of the output at a time.
  mrg[lid] = vec4<f32>(m, l, 0.0, 0.0);
  workgroupBarrier();
  var mx = mrg[pair].x;
  for (var u = 1u; u < KL; u++) { mx = max(mx, mrg[pair + u * NP].x); }
  var tot = 0.0;
  for (var u = 0u; u < KL; u++) { tot += mrg[pair + u * NP].y * exp(mrg[pair + u * NP].x - mx); }
  let f = exp(m - mx) / tot;
  workgroupBarrier();   // before the outputs overwrite the states
  mrg[lid] = a0 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 0u] = r.x;
    out[o + 1u] = r.y;
    out[o + 2u] = r.z;
    out[o + 3u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a1 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 4u] = r.x;
    out[o + 5u] = r.y;
    out[o + 6u] = r.z;
    out[o + 7u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a2 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 8u] = r.x;
    out[o + 9u] = r.y;
    out[o + 10u] = r.z;
    out[o + 11u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a3 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 12u] = r.x;
    out[o + 13u] = r.y;
    out[o + 14u] = r.z;
    out[o + 15u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a4 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 16u] = r.x;
    out[o + 17u] = r.y;
    out[o + 18u] = r.z;
    out[o + 19u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a5 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 20u] = r.x;
    out[o + 21u] = r.y;
    out[o + 22u] = r.z;
    out[o + 23u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a6 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 24u] = r.x;
    out[o + 25u] = r.y;
    out[o + 26u] = r.z;
    out[o + 27u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a7 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 28u] = r.x;
    out[o + 29u] = r.y;
    out[o + 30u] = r.z;
    out[o + 31u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a8 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 32u] = r.x;
    out[o + 33u] = r.y;
    out[o + 34u] = r.z;
    out[o + 35u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a9 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 36u] = r.x;
    out[o + 37u] = r.y;
    out[o + 38u] = r.z;
    out[o + 39u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a10 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 40u] = r.x;
    out[o + 41u] = r.y;
    out[o + 42u] = r.z;
    out[o + 43u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a11 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 44u] = r.x;
    out[o + 45u] = r.y;
    out[o + 46u] = r.z;
    out[o + 47u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a12 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 48u] = r.x;
    out[o + 49u] = r.y;
    out[o + 50u] = r.z;
    out[o + 51u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a13 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 52u] = r.x;
    out[o + 53u] = r.y;
    out[o + 54u] = r.z;
    out[o + 55u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a14 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 56u] = r.x;
    out[o + 57u] = r.y;
    out[o + 58u] = r.z;
    out[o + 59u] = r.w;
  }
  workgroupBarrier();
  mrg[lid] = a15 * f;
  workgroupBarrier();
  if (kl == 0u && i < rn) {
    var r = mrg[lid];
    for (var u = 1u; u < KL; u++) { r += mrg[pair + u * NP]; }
    out[o + 60u] = r.x;
    out[o + 61u] = r.y;
    out[o + 62u] = r.z;
    out[o + 63u] = r.w;
  }
  workgroupBarrier();
}
