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
const WG: u32 = 8u;
const SPLITS: u32 = 1u;
const SPAN_MIN: u32 = 16u;
const SCALE: f32 = 0.125;
// (keys per span, spans holding keys) of a row with n_keys keys.
fn spans(n_keys: u32) -> vec2<u32> {
  let span = max(SPAN_MIN, (n_keys + SPLITS - 1u) / SPLITS);
  return vec2<u32>(span, (n_keys + span - 1u) / span);
}
var<workgroup> sm: array<f32, 24>;
var<workgroup> sl: array<f32, 24>;
var<workgroup> sacc: array<vec4<f32>, 384>;
@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let g = wid.x;
  let t = wid.y;
  let s = wid.z;
  if (t >= p.n_rows) { return; }   // uniform: whole workgroup
  let n_keys = row_pos(t) + 1u;
  let sp = spans(n_keys);
  let span = sp.x;
  let used = sp.y;
  if (s >= used) { return; }   // uniform: whole workgroup
  let j0 = s * span;
  let j1 = min(j0 + span, n_keys);
  let base = (row_slot(t) * CTX * KV + g * HD) / 4u;   // this slot's cache, this kv head, in vec4s
  let qb = (t * Q + g * GROUP * HD) / 4u;
  var m0 = -1.0e30;   // finite, so exp(m - m_new) is 0 rather than NaN for lanes without keys
  var l0 = 0.0;
  let q0_0 = q[qb + 0u] * SCALE;
  var a0_0 = vec4<f32>(0.0);
  let q0_1 = q[qb + 1u] * SCALE;
  var a0_1 = vec4<f32>(0.0);
  let q0_2 = q[qb + 2u] * SCALE;
  var a0_2 = vec4<f32>(0.0);
  let q0_3 = q[qb + 3u] * SCALE;
  var a0_3 = vec4<f32>(0.0);
  let q0_4 = q[qb + 4u] * SCALE;
  var a0_4 = vec4<f32>(0.0);
  let q0_5 = q[qb + 5u] * SCALE;
  var a0_5 = vec4<f32>(0.0);
  let q0_6 = q[qb + 6u] * SCALE;
  var a0_6 = vec4<f32>(0.0);
  let q0_7 = q[qb + 7u] * SCALE;
  var a0_7 = vec4<f32>(0.0);
  let q0_8 = q[qb + 8u] * SCALE;
  var a0_8 = vec4<f32>(0.0);
  let q0_9 = q[qb + 9u] * SCALE;
  var a0_9 = vec4<f32>(0.0);
  let q0_10 = q[qb + 10u] * SCALE;
  var a0_10 = vec4<f32>(0.0);
  let q0_11 = q[qb + 11u] * SCALE;
  var a0_11 = vec4<f32>(0.0);
  let q0_12 = q[qb + 12u] * SCALE;
  var a0_12 = vec4<f32>(0.0);
  let q0_13 = q[qb + 13u] * SCALE;
  var a0_13 = vec4<f32>(0.0);
  let q0_14 = q[qb + 14u] * SCALE;
  var a0_14 = vec4<f32>(0.0);
  let q0_15 = q[qb + 15u] * SCALE;
  var a0_15 = vec4<f32>(0.0);
  var m1 = -1.0e30;   // finite, so exp(m - m_new) is 0 rather than NaN for lanes without keys
  var l1 = 0.0;
  let q1_0 = q[qb + 16u] * SCALE;
  var a1_0 = vec4<f32>(0.0);
  let q1_1 = q[qb + 17u] * SCALE;
  var a1_1 = vec4<f32>(0.0);
  let q1_2 = q[qb + 18u] * SCALE;
  var a1_2 = vec4<f32>(0.0);
  let q1_3 = q[qb + 19u] * SCALE;
  var a1_3 = vec4<f32>(0.0);
  let q1_4 = q[qb + 20u] * SCALE;
  var a1_4 = vec4<f32>(0.0);
  let q1_5 = q[qb + 21u] * SCALE;
  var a1_5 = vec4<f32>(0.0);
  let q1_6 = q[qb + 22u] * SCALE;
  var a1_6 = vec4<f32>(0.0);
  let q1_7 = q[qb + 23u] * SCALE;
  var a1_7 = vec4<f32>(0.0);
  let q1_8 = q[qb + 24u] * SCALE;
  var a1_8 = vec4<f32>(0.0);
  let q1_9 = q[qb + 25u] * SCALE;
  var a1_9 = vec4<f32>(0.0);
  let q1_10 = q[qb + 26u] * SCALE;
  var a1_10 = vec4<f32>(0.0);
  let q1_11 = q[qb + 27u] * SCALE;
  var a1_11 = vec4<f32>(0.0);
  let q1_12 = q[qb + 28u] * SCALE;
  var a1_12 = vec4<f32>(0.0);
  let q1_13 = q[qb + 29u] * SCALE;
  var a1_13 = vec4<f32>(0.0);
  let q1_14 = q[qb + 30u] * SCALE;
  var a1_14 = vec4<f32>(0.0);
  let q1_15 = q[qb + 31u] * SCALE;
  var a1_15 = vec4<f32>(0.0);
  var m2 = -1.0e30;   // finite, so exp(m - m_new) is 0 rather than NaN for lanes without keys
  var l2 = 0.0;
  let q2_0 = q[qb + 32u] * SCALE;
  var a2_0 = vec4<f32>(0.0);
  let q2_1 = q[qb + 33u] * SCALE;
  var a2_1 = vec4<f32>(0.0);
  let q2_2 = q[qb + 34u] * SCALE;
  var a2_2 = vec4<f32>(0.0);
  let q2_3 = q[qb + 35u] * SCALE;
  var a2_3 = vec4<f32>(0.0);
  let q2_4 = q[qb + 36u] * SCALE;
  var a2_4 = vec4<f32>(0.0);
  let q2_5 = q[qb + 37u] * SCALE;
  var a2_5 = vec4<f32>(0.0);
  let q2_6 = q[qb + 38u] * SCALE;
  var a2_6 = vec4<f32>(0.0);
  let q2_7 = q[qb + 39u] * SCALE;
  var a2_7 = vec4<f32>(0.0);
  let q2_8 = q[qb + 40u] * SCALE;
  var a2_8 = vec4<f32>(0.0);
  let q2_9 = q[qb + 41u] * SCALE;
  var a2_9 = vec4<f32>(0.0);
  let q2_10 = q[qb + 42u] * SCALE;
  var a2_10 = vec4<f32>(0.0);
  let q2_11 = q[qb + 43u] * SCALE;
  var a2_11 = vec4<f32>(0.0);
  let q2_12 = q[qb + 44u] * SCALE;
  var a2_12 = vec4<f32>(0.0);
  let q2_13 = q[qb + 45u] * SCALE;
  var a2_13 = vec4<f32>(0.0);
  let q2_14 = q[qb + 46u] * SCALE;
  var a2_14 = vec4<f32>(0.0);
  let q2_15 = q[qb + 47u] * SCALE;
  var a2_15 = vec4<f32>(0.0);
  for (var j = j0 + lane; j < j1; j += WG) {
    let kb = base + j * (KV / 4u);
    let k0 = k_cache[kb + 0u];
    let k1 = k_cache[kb + 1u];
    let k2 = k_cache[kb + 2u];
    let k3 = k_cache[kb + 3u];
    let k4 = k_cache[kb + 4u];
    let k5 = k_cache[kb + 5u];
    let k6 = k_cache[kb + 6u];
    let k7 = k_cache[kb + 7u];
    let k8 = k_cache[kb + 8u];
    let k9 = k_cache[kb + 9u];
    let k10 = k_cache[kb + 10u];
    let k11 = k_cache[kb + 11u];
    let k12 = k_cache[kb + 12u];
    let k13 = k_cache[kb + 13u];
    let k14 = k_cache[kb + 14u];
    let k15 = k_cache[kb + 15u];
    let s0 = dot(q0_0, k0) + dot(q0_1, k1) + dot(q0_2, k2) + dot(q0_3, k3) + dot(q0_4, k4) + dot(q0_5, k5) + dot(q0_6, k6) + dot(q0_7, k7) + dot(q0_8, k8) + dot(q0_9, k9) + dot(q0_10, k10) + dot(q0_11, k11) + dot(q0_12, k12) + dot(q0_13, k13) + dot(q0_14, k14) + dot(q0_15, k15);
    let mn0 = max(m0, s0);
    let c0 = exp(m0 - mn0);
    let e0 = exp(s0 - mn0);
    l0 = l0 * c0 + e0;
    m0 = mn0;
    let s1 = dot(q1_0, k0) + dot(q1_1, k1) + dot(q1_2, k2) + dot(q1_3, k3) + dot(q1_4, k4) + dot(q1_5, k5) + dot(q1_6, k6) + dot(q1_7, k7) + dot(q1_8, k8) + dot(q1_9, k9) + dot(q1_10, k10) + dot(q1_11, k11) + dot(q1_12, k12) + dot(q1_13, k13) + dot(q1_14, k14) + dot(q1_15, k15);
    let mn1 = max(m1, s1);
    let c1 = exp(m1 - mn1);
    let e1 = exp(s1 - mn1);
    l1 = l1 * c1 + e1;
    m1 = mn1;
    let s2 = dot(q2_0, k0) + dot(q2_1, k1) + dot(q2_2, k2) + dot(q2_3, k3) + dot(q2_4, k4) + dot(q2_5, k5) + dot(q2_6, k6) + dot(q2_7, k7) + dot(q2_8, k8) + dot(q2_9, k9) + dot(q2_10, k10) + dot(q2_11, k11) + dot(q2_12, k12) + dot(q2_13, k13) + dot(q2_14, k14) + dot(q2_15, k15);
    let mn2 = max(m2, s2);
    let c2 = exp(m2 - mn2);
    let e2 = exp(s2 - mn2);
    l2 = l2 * c2 + e2;
    m2 = mn2;
    {
      let v = v_cache[kb + 0u];
      a0_0 = a0_0 * c0 + e0 * v;
      a1_0 = a1_0 * c1 + e1 * v;
      a2_0 = a2_0 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 1u];
      a0_1 = a0_1 * c0 + e0 * v;
      a1_1 = a1_1 * c1 + e1 * v;
      a2_1 = a2_1 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 2u];
      a0_2 = a0_2 * c0 + e0 * v;
      a1_2 = a1_2 * c1 + e1 * v;
      a2_2 = a2_2 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 3u];
      a0_3 = a0_3 * c0 + e0 * v;
      a1_3 = a1_3 * c1 + e1 * v;
      a2_3 = a2_3 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 4u];
      a0_4 = a0_4 * c0 + e0 * v;
      a1_4 = a1_4 * c1 + e1 * v;
      a2_4 = a2_4 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 5u];
      a0_5 = a0_5 * c0 + e0 * v;
      a1_5 = a1_5 * c1 + e1 * v;
      a2_5 = a2_5 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 6u];
      a0_6 = a0_6 * c0 + e0 * v;
      a1_6 = a1_6 * c1 + e1 * v;
      a2_6 = a2_6 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 7u];
      a0_7 = a0_7 * c0 + e0 * v;
      a1_7 = a1_7 * c1 + e1 * v;
      a2_7 = a2_7 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 8u];
      a0_8 = a0_8 * c0 + e0 * v;
      a1_8 = a1_8 * c1 + e1 * v;
      a2_8 = a2_8 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 9u];
      a0_9 = a0_9 * c0 + e0 * v;
      a1_9 = a1_9 * c1 + e1 * v;
      a2_9 = a2_9 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 10u];
      a0_10 = a0_10 * c0 + e0 * v;
      a1_10 = a1_10 * c1 + e1 * v;
      a2_10 = a2_10 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 11u];
      a0_11 = a0_11 * c0 + e0 * v;
      a1_11 = a1_11 * c1 + e1 * v;
      a2_11 = a2_11 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 12u];
      a0_12 = a0_12 * c0 + e0 * v;
      a1_12 = a1_12 * c1 + e1 * v;
      a2_12 = a2_12 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 13u];
      a0_13 = a0_13 * c0 + e0 * v;
      a1_13 = a1_13 * c1 + e1 * v;
      a2_13 = a2_13 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 14u];
      a0_14 = a0_14 * c0 + e0 * v;
      a1_14 = a1_14 * c1 + e1 * v;
      a2_14 = a2_14 * c2 + e2 * v;
    }
    {
      let v = v_cache[kb + 15u];
      a0_15 = a0_15 * c0 + e0 * v;
      a1_15 = a1_15 * c1 + e1 * v;
      a2_15 = a2_15 * c2 + e2 * v;
    }
  }
  sm[lane * GROUP + 0u] = m0;
  sl[lane * GROUP + 0u] = l0;
  sacc[(lane * GROUP + 0u) * HD4 + 0u] = a0_0;
  sacc[(lane * GROUP + 0u) * HD4 + 1u] = a0_1;
  sacc[(lane * GROUP + 0u) * HD4 + 2u] = a0_2;
  sacc[(lane * GROUP + 0u) * HD4 + 3u] = a0_3;
  sacc[(lane * GROUP + 0u) * HD4 + 4u] = a0_4;
  sacc[(lane * GROUP + 0u) * HD4 + 5u] = a0_5;
  sacc[(lane * GROUP + 0u) * HD4 + 6u] = a0_6;
  sacc[(lane * GROUP + 0u) * HD4 + 7u] = a0_7;
  sacc[(lane * GROUP + 0u) * HD4 + 8u] = a0_8;
  sacc[(lane * GROUP + 0u) * HD4 + 9u] = a0_9;
  sacc[(lane * GROUP + 0u) * HD4 + 10u] = a0_10;
  sacc[(lane * GROUP + 0u) * HD4 + 11u] = a0_11;
  sacc[(lane * GROUP + 0u) * HD4 + 12u] = a0_12;
  sacc[(lane * GROUP + 0u) * HD4 + 13u] = a0_13;
  sacc[(lane * GROUP + 0u) * HD4 + 14u] = a0_14;
  sacc[(lane * GROUP + 0u) * HD4 + 15u] = a0_15;
  sm[lane * GROUP + 1u] = m1;
  sl[lane * GROUP + 1u] = l1;
  sacc[(lane * GROUP + 1u) * HD4 + 0u] = a1_0;
  sacc[(lane * GROUP + 1u) * HD4 + 1u] = a1_1;
  sacc[(lane * GROUP + 1u) * HD4 + 2u] = a1_2;
  sacc[(lane * GROUP + 1u) * HD4 + 3u] = a1_3;
  sacc[(lane * GROUP + 1u) * HD4 + 4u] = a1_4;
  sacc[(lane * GROUP + 1u) * HD4 + 5u] = a1_5;
  sacc[(lane * GROUP + 1u) * HD4 + 6u] = a1_6;
  sacc[(lane * GROUP + 1u) * HD4 + 7u] = a1_7;
  sacc[(lane * GROUP + 1u) * HD4 + 8u] = a1_8;
  sacc[(lane * GROUP + 1u) * HD4 + 9u] = a1_9;
  sacc[(lane * GROUP + 1u) * HD4 + 10u] = a1_10;
  sacc[(lane * GROUP + 1u) * HD4 + 11u] = a1_11;
  sacc[(lane * GROUP + 1u) * HD4 + 12u] = a1_12;
  sacc[(lane * GROUP + 1u) * HD4 + 13u] = a1_13;
  sacc[(lane * GROUP + 1u) * HD4 + 14u] = a1_14;
  sacc[(lane * GROUP + 1u) * HD4 + 15u] = a1_15;
  sm[lane * GROUP + 2u] = m2;
  sl[lane * GROUP + 2u] = l2;
  sacc[(lane * GROUP + 2u) * HD4 + 0u] = a2_0;
  sacc[(lane * GROUP + 2u) * HD4 + 1u] = a2_1;
  sacc[(lane * GROUP + 2u) * HD4 + 2u] = a2_2;
  sacc[(lane * GROUP + 2u) * HD4 + 3u] = a2_3;
  sacc[(lane * GROUP + 2u) * HD4 + 4u] = a2_4;
  sacc[(lane * GROUP + 2u) * HD4 + 5u] = a2_5;
  sacc[(lane * GROUP + 2u) * HD4 + 6u] = a2_6;
  sacc[(lane * GROUP + 2u) * HD4 + 7u] = a2_7;
  sacc[(lane * GROUP + 2u) * HD4 + 8u] = a2_8;
  sacc[(lane * GROUP + 2u) * HD4 + 9u] = a2_9;
  sacc[(lane * GROUP + 2u) * HD4 + 10u] = a2_10;
  sacc[(lane * GROUP + 2u) * HD4 + 11u] = a2_11;
  sacc[(lane * GROUP + 2u) * HD4 + 12u] = a2_12;
  sacc[(lane * GROUP + 2u) * HD4 + 13u] = a2_13;
  sacc[(lane * GROUP + 2u) * HD4 + 14u] = a2_14;
  sacc[(lane * GROUP + 2u) * HD4 + 15u] = a2_15;
  workgroupBarrier();
  // Merge the lanes' states: invocation `lane` writes quads lane, lane + WG, ... of the group's GROUP * HD4.
  for (var e = lane; e < GROUP * HD4; e += WG) {
    let h = e / HD4;
    let i = e % HD4;
    var mx = -1.0e30;
    for (var r = 0u; r < WG; r++) { mx = max(mx, sm[r * GROUP + h]); }
    var den = 0.0;
    var num = vec4<f32>(0.0);
    for (var r = 0u; r < WG; r++) {
      let f = exp(sm[r * GROUP + h] - mx);
      den += f * sl[r * GROUP + h];
      num += f * sacc[(r * GROUP + h) * HD4 + i];
    }
    if (used == 1u) {
      let o = t * Q + (g * GROUP + h) * HD + 4u * i;
      let r = num / den;
      out[o] = r.x;
      out[o + 1u] = r.y;
      out[o + 2u] = r.z;
      out[o + 3u] = r.w;
      continue;
    }
  }
}
