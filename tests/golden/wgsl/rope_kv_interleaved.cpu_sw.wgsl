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
const Q_DIM: u32 = 576u;
const KV_DIM: u32 = 192u;
const HEAD_DIM: u32 = 64u;
const HEAD_PAIRS: u32 = HEAD_DIM / 2u;
const Q_PAIRS: u32 = Q_DIM / 2u;
const QK_PAIRS: u32 = Q_PAIRS + KV_DIM / 2u;
const KV_PAIRS: u32 = QK_PAIRS + KV_DIM / 2u;   // all pairs
const CTX: u32 = 2048u;                // cache rows per slot
const LOG2_THETA: f32 = 16.609640474436812;
// Elements of pair j inside a head: interleaved layout.
fn pair(j: u32) -> vec2<u32> {
  return vec2<u32>(2u * j, 2u * j + 1u);
}
// The two q|k|v columns of pair i.
fn pair_cols(i: u32) -> vec2<u32> {
  if (i < QK_PAIRS) {
    let is_q = i < Q_PAIRS;
    let ii = select(i - Q_PAIRS, i, is_q);
    return pair(ii % HEAD_PAIRS) + vec2<u32>(ii / HEAD_PAIRS * HEAD_DIM + select(Q_DIM, 0u, is_q));
  }
  let e = Q_DIM + KV_DIM + i - QK_PAIRS;
  return vec2<u32>(e, e + KV_DIM / 2u);
}
fn rotate(a: f32, b: f32, pos: u32, j: u32) -> vec2<f32> {
  let raw = f32(pos) * exp2(-f32(2u * j) / f32(HEAD_DIM) * LOG2_THETA);
  // WGSL promises sin/cos accuracy only on [-pi, pi]; positions reach thousands of radians.
  let ang = raw - 6.283185307 * floor(raw / 6.283185307 + 0.5);
  let c = cos(ang);
  let s = sin(ang);
  return vec2<f32>(a * c - b * s, a * s + b * c);
}
fn write_pair(t: u32, i: u32, a: f32, b: f32) {
  let pos = row_pos(t);
  let cache_row = (row_slot(t) * CTX + pos) * KV_DIM;
  let c = pair_cols(i);
  if (i >= QK_PAIRS) {
    let e = c - vec2<u32>(Q_DIM + KV_DIM);
    v_cache[cache_row + e.x] = a;
    v_cache[cache_row + e.y] = b;
    return;
  }
  let r = rotate(a, b, pos, select(i - Q_PAIRS, i, i < Q_PAIRS) % HEAD_PAIRS);
  if (i < Q_PAIRS) {
    q[t * Q_DIM + c.x] = r.x;
    q[t * Q_DIM + c.y] = r.y;
  } else {
    k_cache[cache_row + c.x - Q_DIM] = r.x;
    k_cache[cache_row + c.y - Q_DIM] = r.y;
  }
}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let t = gid.y;
  if (i >= KV_PAIRS || t >= p.n_rows) { return; }
  let c = pair_cols(i) + vec2<u32>(t * (Q_DIM + 2u * KV_DIM));
  write_pair(t, i, qkv[c.x], qkv[c.y]);
}
