struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ctl: array<u32>;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read_write> q: array<f32>;
@group(0) @binding(4) var<storage, read_write> k_cache: array<f32>;
@group(0) @binding(5) var<storage, read_write> v_cache: array<f32>;
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
const ROW: u32 = 960u;   // qkv row stride
const CTX: u32 = 2048u;                  // cache rows per slot
const QI: u32 = Q / 2u;      // q pairs
const KI: u32 = KV / 2u;     // k pairs
const HALF: u32 = HD / 2u;
const LOG2_THETA: f32 = 16.609640474436812;
const ITEMS: u32 = QI + KI + KV;
// Element indices of pair j inside a head: interleaved layout.
fn pair(j: u32) -> vec2<u32> {
  return vec2<u32>(2u * j, 2u * j + 1u);}
fn rotate(a: f32, b: f32, pos: u32, j: u32) -> vec2<f32> {
  let raw = f32(pos) * exp2(-f32(2u * j) / f32(HD) * LOG2_THETA);
  // WGSL promises sin/cos accuracy only on [-pi, pi]; positions reach thousands of radians.
  let ang = raw - 6.283185307 * floor(raw / 6.283185307 + 0.5);
  let c = cos(ang);
  let s = sin(ang);
  return vec2<f32>(a * c - b * s, a * s + b * c);
}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let t = gid.y;
  if (i >= ITEMS || t >= p.n_rows) { return; }
  let pos = row_pos(t);
  let cache_row = (row_slot(t) * CTX + pos) * KV;
  let src = t * ROW;
  if (i < QI + KI) {
    let is_q = i < QI;
    let ii = select(i - QI, i, is_q);
    let off = select(Q, 0u, is_q);       // where this head's values start inside the qkv row
    let head = ii / HALF;
    let e = pair(ii % HALF) + vec2<u32>(head * HD);
    let r = rotate(qkv[src + off + e.x], qkv[src + off + e.y], pos, ii % HALF);
    if (is_q) {
      q[t * Q + e.x] = r.x;
      q[t * Q + e.y] = r.y;
    } else {
      k_cache[cache_row + e.x] = r.x;
      k_cache[cache_row + e.y] = r.y;
    }
  } else {
    let e = i - QI - KI;
    v_cache[cache_row + e] = qkv[src + Q + KV + e];
  }
}
