struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ctl: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> part: array<f32>;
@group(0) @binding(4) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
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
const QW: u32 = 72u;   // nibble words per row; scales follow
const RW: u32 = 90u;
fn wi(row: u32, c: u32) -> u32 { return (row >> 3u) * (RW * 8u) + c * 8u + (row & 7u); }
fn wu(i: u32) -> u32 { return w[i >> 2u][i & 3u]; }   // w bound as vec4<u32> (CPU variants load 4 rows at once)
// (d, m) per block: value = d * q + m
fn dm(row: u32, b: u32) -> vec2<f32> { return unpack2x16float(wu(wi(row, QW + b))); }
// GGUF nibble order: byte j of a block holds element j (low nibble) and element j + 16 (high nibble).
fn welem(row: u32, k: u32) -> f32 {
  let i = k % 32u;
  let byte = i % 16u;
  let word = wu(wi(row, (k / 32u) * 4u + byte / 4u));
  let q = (word >> (8u * (byte % 4u) + select(0u, 4u, i >= 16u))) & 0xFu;
  let s = dm(row, k / 32u);
  return s.x * f32(q) + s.y;
}
struct Chunk { lo: vec4<f32>, hi: vec4<f32>, xi: u32 }
const CHUNKS: u32 = QW;
// Nibble word w of a block holds elements 4w..4w+3 (low nibbles) and 16+4w..16+4w+3 (high nibbles).
fn wchunk(row: u32, c: u32) -> Chunk {
  let word = wu(wi(row, c));
  let s = dm(row, c / 4u);
  let lo = vec4<f32>((vec4<u32>(word) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(0xFu));
  let hi = vec4<f32>((vec4<u32>(word) >> vec4<u32>(4u, 12u, 20u, 28u)) & vec4<u32>(0xFu));
  return Chunk(s.x * lo + s.y, s.x * hi + s.y, (c / 4u) * 8u + (c % 4u));
}
const K4: u32 = 144u;      // input width in vec4s
const N: u32 = 576u;            // output rows of this dispatch
const ROW0: u32 = 0u;      // first output row (weights split for binding limits)
const OUT_N: u32 = 576u;    // output row stride
const TT: u32 = 2u;          // tokens per workgroup
const WG: u32 = 256u;
const LANES: u32 = 32u;
const ROWS_PER_WG: u32 = WG / LANES;
var<workgroup> red: array<vec2<f32>, WG>;
fn reduce2(lid: u32, v: vec2<f32>, stride: u32) -> vec2<f32> {
  // Sum over the invocations that share lid % stride (stride 1: the whole workgroup); all get their sum.
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s >= stride; s >>= 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[lid % stride];
  workgroupBarrier();
  return r;
}
// x is a split attention's output. Rows whose keys it cut into several spans hold only the spans' partial states
// (acc, m, l per head, in `part`): the tile's x rows are staged here merged, with attention_merge.wgsl.j2's
// arithmetic in its order (plus zero terms past the last span; contraction may differ in the last bit), which
// saves its dispatch (H200: a decode dispatch costs several us of CPU and of GPU).
// Every load is issued in parallel (spans' m and l one per invocation; acc 8 spans at a time): a loop of
// dependent-latency loads over the spans of a head cost more than the dispatch it saved.
const HEADS: u32 = 9u;
const HD: u32 = 64u;
const SPLITS: u32 = 64u;
const SPAN_MIN: u32 = 16u;
const MAX_PARTS: u32 = 4u;   // invocations that share a head's largest m
const MERGE_BELOW: u32 = 64u;   // steps of at least this many rows run attention with one span
// (keys per span, spans holding keys) of a row with n_keys keys.
fn spans(n_keys: u32) -> vec2<u32> {
  let span = max(SPAN_MIN, (n_keys + SPLITS - 1u) / SPLITS);
  return vec2<u32>(span, (n_keys + span - 1u) / span);
}
var<workgroup> xs: array<vec4<f32>, 288>;
var<workgroup> sw: array<f32, 1152>;   // per (token, head, span): m
var<workgroup> sl: array<f32, 1152>;   // per (token, head, span): l
var<workgroup> smax: array<f32, 72>;   // per (token, head): partial maxima of m
// Spans of row t holding partial states (0: attention wrote the row itself). Uniform per row.
fn merged_spans(t: u32) -> u32 {
  let used = spans(row_pos(t) + 1u).y;
  return select(0u, used, p.n_rows < MERGE_BELOW && used > 1u);
}
fn stage_x(t0: u32, tn: u32, lid: u32) {
  for (var e = lid; e < tn * HEADS * SPLITS; e += WG) {
    let th = e / SPLITS;
    let s = e % SPLITS;
    let t = t0 + th / HEADS;
    let o = ((t * HEADS + th % HEADS) * SPLITS + s) * (HD + 2u) + HD;
    // Spans past the row's own are (-1e30, 0), and their part entries are not read (a select would read them).
    var m = -1.0e30;
    var l = 0.0;
    if (s < merged_spans(t)) {
      m = part[o];
      l = part[o + 1u];
    }
    sw[e] = m;
    sl[e] = l;
  }
  workgroupBarrier();
  // Each head's largest m, as MAX_PARTS partial maxima, each over every MAX_PARTS-th of the row's own spans; the
  // invocations that sum a head's quads below take the spans' weights exp(m - M) themselves. One invocation looping
  // over a head's 64 spans (twice, with an exp) cost a decode step 0.19 of 1.72 ms at context 2000 (H200,
  // SmolLM2's 30 layers).
  for (var e = lid; e < tn * HEADS * MAX_PARTS; e += WG) {
    let th = e / MAX_PARTS;
    let used = merged_spans(t0 + th / HEADS);
    var mx = -1.0e30;
    for (var s = e % MAX_PARTS; s < used; s += MAX_PARTS) { mx = max(mx, sw[th * SPLITS + s]); }
    smax[e] = mx;
  }
  workgroupBarrier();
  for (var e = lid; e < tn * K4; e += WG) {
    let tl = e / K4;
    let i = e % K4;
    let t = t0 + tl;
    let used = merged_spans(t);
    if (used == 0u) {
      xs[e] = x[t * K4 + i];   // attention wrote the row itself
      continue;
    }
    let h = 4u * i / HD;
    let th = tl * HEADS + h;
    var mx = smax[th * MAX_PARTS];
    for (var j = 1u; j < MAX_PARTS; j++) { mx = max(mx, smax[th * MAX_PARTS + j]); }
    let wb = th * SPLITS;
    let ob = (t * HEADS + h) * SPLITS * (HD + 2u) + 4u * i - h * HD;   // span 0's acc at this quad
    var num = vec4<f32>(0.0);
    var den = 0.0;   // the softmax sum, over the spans in order as attention_merge sums it (plus zero terms)
    for (var s0 = 0u; s0 < used; s0 += 8u) {
      {
        let s = min(s0 + 0u, used - 1u);   // past the last span: its weight 0 on a valid address
        let o = ob + s * (HD + 2u);
        let f = select(0.0, exp(sw[wb + s] - mx), s0 + 0u < used);   // the span's weight
        num += f * vec4<f32>(part[o], part[o + 1u], part[o + 2u], part[o + 3u]);
        den += f * sl[wb + s];
      }
      {
        let s = min(s0 + 1u, used - 1u);   // past the last span: its weight 0 on a valid address
        let o = ob + s * (HD + 2u);
        let f = select(0.0, exp(sw[wb + s] - mx), s0 + 1u < used);   // the span's weight
        num += f * vec4<f32>(part[o], part[o + 1u], part[o + 2u], part[o + 3u]);
        den += f * sl[wb + s];
      }
      {
        let s = min(s0 + 2u, used - 1u);   // past the last span: its weight 0 on a valid address
        let o = ob + s * (HD + 2u);
        let f = select(0.0, exp(sw[wb + s] - mx), s0 + 2u < used);   // the span's weight
        num += f * vec4<f32>(part[o], part[o + 1u], part[o + 2u], part[o + 3u]);
        den += f * sl[wb + s];
      }
      {
        let s = min(s0 + 3u, used - 1u);   // past the last span: its weight 0 on a valid address
        let o = ob + s * (HD + 2u);
        let f = select(0.0, exp(sw[wb + s] - mx), s0 + 3u < used);   // the span's weight
        num += f * vec4<f32>(part[o], part[o + 1u], part[o + 2u], part[o + 3u]);
        den += f * sl[wb + s];
      }
      {
        let s = min(s0 + 4u, used - 1u);   // past the last span: its weight 0 on a valid address
        let o = ob + s * (HD + 2u);
        let f = select(0.0, exp(sw[wb + s] - mx), s0 + 4u < used);   // the span's weight
        num += f * vec4<f32>(part[o], part[o + 1u], part[o + 2u], part[o + 3u]);
        den += f * sl[wb + s];
      }
      {
        let s = min(s0 + 5u, used - 1u);   // past the last span: its weight 0 on a valid address
        let o = ob + s * (HD + 2u);
        let f = select(0.0, exp(sw[wb + s] - mx), s0 + 5u < used);   // the span's weight
        num += f * vec4<f32>(part[o], part[o + 1u], part[o + 2u], part[o + 3u]);
        den += f * sl[wb + s];
      }
      {
        let s = min(s0 + 6u, used - 1u);   // past the last span: its weight 0 on a valid address
        let o = ob + s * (HD + 2u);
        let f = select(0.0, exp(sw[wb + s] - mx), s0 + 6u < used);   // the span's weight
        num += f * vec4<f32>(part[o], part[o + 1u], part[o + 2u], part[o + 3u]);
        den += f * sl[wb + s];
      }
      {
        let s = min(s0 + 7u, used - 1u);   // past the last span: its weight 0 on a valid address
        let o = ob + s * (HD + 2u);
        let f = select(0.0, exp(sw[wb + s] - mx), s0 + 7u < used);   // the span's weight
        num += f * vec4<f32>(part[o], part[o + 1u], part[o + 2u], part[o + 3u]);
        den += f * sl[wb + s];
      }
    }
    xs[e] = num / den;
  }
  workgroupBarrier();
}
fn xv(t0: u32, t: u32, i: u32) -> vec4<f32> {
  return xs[t * K4 + i];   // rows past the tile's end are zeros, never stored
}
fn store(tok: u32, o: u32, a: f32, u: f32) {
  var y = a;
  let oi = tok * OUT_N + o;
  out[oi] = out[oi] + y;}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t0 = wid.y * TT;
  if (t0 >= p.n_rows) { return; }   // uniform: whole workgroup
  let tn = min(TT, p.n_rows - t0);
  stage_x(t0, tn, lid);
  // Neighbouring invocations take neighbouring rows: with rows interleaved by 8, their loads are contiguous.
  let row = wid.x * ROWS_PER_WG + lid % ROWS_PER_WG;
  let lane = lid / ROWS_PER_WG;
  var a0 = 0.0;
  var u0 = 0.0;
  var a1 = 0.0;
  var u1 = 0.0;
  var wsum = vec2<f32>(0.0, 0.0);   // (W·g, W·b) for layernorm
  if (row < N) {
    if (tn <= 1u) {
    for (var c = lane; c < CHUNKS; c += LANES) {
      let ch = wchunk(row, c);
      {
        let xl = xv(t0, 0u, ch.xi);
        let xh = xv(t0, 0u, ch.xi + 4u);        a0 += dot(ch.lo, xl) + dot(ch.hi, xh);
      }
    }
    } else {
    for (var c = lane; c < CHUNKS; c += LANES) {
      let ch = wchunk(row, c);
      {
        let xl = xv(t0, 0u, ch.xi);
        let xh = xv(t0, 0u, ch.xi + 4u);        a0 += dot(ch.lo, xl) + dot(ch.hi, xh);
      }
      {
        let xl = xv(t0, 1u, ch.xi);
        let xh = xv(t0, 1u, ch.xi + 4u);        a1 += dot(ch.lo, xl) + dot(ch.hi, xh);
      }
    }
    }
  }
  if (0u < tn) {
    let r = reduce2(lid, vec2<f32>(a0, u0), ROWS_PER_WG);
    a0 = r.x;
    u0 = r.y;
  }
  if (1u < tn) {
    let r = reduce2(lid, vec2<f32>(a1, u1), ROWS_PER_WG);
    a1 = r.x;
    u1 = r.y;
  }
  if (row >= N || lane != 0u) { return; }
  let o = ROW0 + row;
  if (0u < tn) { store(t0 + 0u, o, a0, u0); }
  if (1u < tn) { store(t0 + 1u, o, a1, u1); }
}
