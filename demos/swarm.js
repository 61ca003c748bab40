/**
 * Page code of demos/swarm.html: polls /v1/swarm and draws the swarm (workers, the layer map, step times and tokens/s
 * over time with uPlot, the pipeline timeline with its bubbles, and the coordinator's events).
 * Demo pages may hold globals; the library modules (runtime_js/) hold none.
 */
import { showWebGpuMessage } from '/runtime_js/webgpu_check.js';

const params = new URLSearchParams(location.search);
const EVERY_MS = Math.max(200, Number(params.get('every') ?? 1000) || 1000);
const WINDOW_S = 5;          // the timeline shows this many seconds
const KEY_STORE = 'webshard-api-key';
// Ten distinguishable colours (Tableau 10); a worker keeps its colour while it stays (by its number).
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f',
  '#bab0ac'];
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** What tests read. */
const dash = { polls: 0, error: null, status: null, charts: 0 };
window.__webshardSwarm = dash;

/** @param {string} id  A worker id such as "w3". */
const colour = (id) => PALETTE[(Number(String(id).replace(/\D/g, '')) + PALETTE.length - 1) % PALETTE.length];
const fmtMiB = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {Array<Node | string>} [children]
 */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'style') node.style.cssText = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

/** @param {any} st */
function renderSummary(st) {
  const b = (text) => el('b', {}, [String(text)]);
  const parts = [
    b(st.model), ' · ', b(st.ready ? 'serving' : 'not serving'), ` · plan ${st.epoch} · ${st.workers.length} workers`,
    ` · ${st.pipelines.length} pipeline${st.pipelines.length === 1 ? '' : 's'} · ${st.wire} links`,
    ` · bottleneck `, b(`${st.bottleneck_ms} ms`), ` · imbalance ${st.imbalance}`,
    ` · ${st.tokens ?? 0} tokens`,
    ` · verified ${st.verify.checked} (${st.verify.failed} failed)`,
    st.recoveries_s.length ? ` · recoveries ${st.recoveries_s.map((r) => `${r.toFixed(2)} s`).join(', ')}` : '',
  ];
  $('summary').replaceChildren(...parts);
}

/** @param {any} st */
function renderWorkers(st) {
  if (!st.workers.length) {
    $('workers').replaceChildren(el('tr', {}, [el('td', { colspan: '10', class: 'muted' }, ['no worker yet'])]));
    return;
  }
  $('workers').replaceChildren(...st.workers.map((w) => {
    const a = w.adapter ?? {};
    const adapter = [a.vendor, a.architecture, a.description || a.device].filter(Boolean).join(' ') || '—';
    const loading = w.state === 'loading' && w.loading.total
      ? ` ${Math.round((100 * w.loading.loaded) / w.loading.total)}%` : '';
    return el('tr', { 'data-worker': w.id }, [
      el('td', {}, [el('span', { class: 'swatch', style: `background:${colour(w.id)}` })]),
      el('td', {}, [`${w.id}${w.name ? ` (${w.name})` : ''}`]),
      el('td', {}, [w.kind]),
      el('td', { class: 'adapter' }, [adapter]),
      el('td', {}, [w.variant ?? '—']),
      el('td', {}, [w.layer_ms ? w.layer_ms.toFixed(2) : '—']),
      el('td', {}, [w.memory_bytes ? fmtMiB(w.memory_bytes) : '—']),
      el('td', {}, [w.state + loading]),
      el('td', {}, [w.range ? `${w.range[0]} … ${w.range[1]}` : '—']),
      el('td', {}, [String(w.steps)]),
    ]);
  }));
}

/** The layer map: one row of bars per pipeline, a bar per stage, as wide as its units' cost. @param {any} st */
function renderLayerMap(st) {
  if (!st.pipelines.length) {
    $('layer-map').replaceChildren('no pipeline yet');
    return;
  }
  const index = new Map(st.units.map((u, i) => [u.name, i]));
  const cost = (a, b) => st.units.slice(index.get(a), index.get(b) + 1).reduce((n, u) => n + Math.max(u.cost, 0.1), 0);
  $('layer-map').replaceChildren(...st.pipelines.map((p) => el('div', { class: 'pipeline' }, [
    el('span', { class: 'label' }, [`pipeline ${p.id}`]),
    el('div', { class: 'bars' }, p.stages.map((s) => el('div', {
      class: 'bar', 'data-worker': s.worker, title: `${s.worker}: ${s.first} … ${s.last}, ${s.step_ms} ms per step`,
      style: `flex:${cost(s.first, s.last)};background:${colour(s.worker)}`,
    }, [`${s.worker} ${s.first}…${s.last}`]))),
  ])));
}

/**
 * uPlot charts, rebuilt when their series change (a new plan brings new stages).
 * @typedef {{plot: any, keys: string}} Chart
 */
const charts = /** @type {Record<string, Chart | null>} */ ({ stages: null, tokens: null });

/**
 * @param {typeof import('uplot').default} uPlot
 * @param {string} name
 * @param {string[]} labels
 * @param {string[]} colours
 * @param {Array<Array<number | null>>} data  [x, ...series]
 */
function plot(uPlot, name, labels, colours, data) {
  const box = $(`chart-${name}`);
  const keys = labels.join('|');
  let chart = charts[name];
  if (!chart || chart.keys !== keys) {
    chart?.plot.destroy();
    const opts = {
      width: Math.max(300, box.clientWidth), height: 200,
      scales: { x: { time: false } },
      axes: [{ label: 's' }, {}],
      series: [{ label: 't' }, ...labels.map((label, i) => ({ label, stroke: colours[i], width: 2, spanGaps: false }))],
    };
    chart = { plot: new uPlot(opts, data, box), keys };
    charts[name] = chart;
    dash.charts = Object.values(charts).filter(Boolean).length;
  } else {
    chart.plot.setData(data);
  }
}

/**
 * Step time of every stage (by pipeline and worker) and tokens/s over the coordinator's series.
 * @param {typeof import('uplot').default} uPlot
 * @param {any} st
 */
function renderCharts(uPlot, st) {
  const series = st.series;
  if (!series.length) return;
  const xs = series.map((p) => p.t);
  const keys = [];
  for (const point of series) {
    for (const p of point.pipelines) {
      for (const s of p.stages) if (!keys.includes(`p${p.id} ${s.worker}`)) keys.push(`p${p.id} ${s.worker}`);
    }
  }
  const stageData = keys.map((key) => series.map((point) => {
    for (const p of point.pipelines) for (const s of p.stages) if (`p${p.id} ${s.worker}` === key) return s.step_ms;
    return null;
  }));
  if (keys.length) plot(uPlot, 'stages', keys, keys.map((k) => colour(k.split(' ')[1])), [xs, ...stageData]);
  plot(uPlot, 'tokens', ['tokens/s'], ['#4e79a7'], [xs, series.map((p) => p.tok_s ?? 0)]);
}

/** Busy intervals of each stage over the last WINDOW_S seconds of each pipeline; the gaps are bubbles. @param {any} st */
function renderTimeline(st) {
  const canvas = /** @type {HTMLCanvasElement} */ ($('timeline'));
  const rows = st.pipelines.flatMap((p) => p.stages.map((s) => ({ p, worker: s.worker })));
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = Math.max(40, 22 * rows.length + 8);
  canvas.style.height = `${height}px`;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext('2d');
  g.scale(ratio, ratio);
  g.clearRect(0, 0, width, height);
  g.font = '11px system-ui, sans-serif';
  const left = 70;
  const span = width - left - 8;
  rows.forEach(({ p, worker }, i) => {
    const y = 4 + 22 * i;
    g.fillStyle = 'rgba(127, 127, 127, 0.15)';
    g.fillRect(left, y, span, 18);
    g.fillStyle = '#8a8f98';
    g.fillText(`p${p.id} ${worker}`, 4, y + 13);
    const end = p.age_s ?? Math.max(0, ...st.timeline.filter((e) => e.pipeline === p.id).map((e) => e.end));
    g.fillStyle = colour(worker);
    for (const e of st.timeline) {
      if (e.pipeline !== p.id || e.worker !== worker || e.end < end - WINDOW_S) continue;
      const x0 = left + span * Math.max(0, 1 - (end - e.start) / WINDOW_S);
      const x1 = left + span * Math.min(1, 1 - (end - e.end) / WINDOW_S);
      g.fillRect(x0, y, Math.max(1, x1 - x0), 18);
    }
  });
  $('bubbles').textContent = st.bubble_fraction == null ? ''
    : `· last ${WINDOW_S} s shown; bubble fraction over 10 s: ${(100 * st.bubble_fraction).toFixed(0)}%`;
}

/** @param {any} st */
function renderEvents(st) {
  if (!st.events.length) return;
  $('events').replaceChildren(...st.events.slice().reverse().map((e) => el('li', { class: e.kind }, [
    el('span', { class: 't' }, [`${e.t.toFixed(1)} s`]),
    el('span', { class: 'kind' }, [e.kind]),
    `${e.worker ? `${e.worker}: ` : ''}${e.detail}`,
  ])));
}

/** One poll: fetch the state, draw it; a 401 asks for the API key. */
async function poll(uPlot) {
  const key = sessionStorage.getItem(KEY_STORE);
  const response = await fetch('/v1/swarm', { headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (response.status === 401) {
    $('key-form').hidden = false;
    throw new Error('/v1/swarm needs the API key (see the field above)');
  }
  if (response.status === 404) throw new Error('this server runs no swarm (was it started with --no-swarm?)');
  if (!response.ok) throw new Error(`/v1/swarm answered HTTP ${response.status}`);
  const st = await response.json();
  renderSummary(st);
  renderWorkers(st);
  renderLayerMap(st);
  renderCharts(uPlot, st);
  renderTimeline(st);
  renderEvents(st);
  Object.assign(dash, { polls: dash.polls + 1, status: st, error: null });
  $('error').replaceChildren();
}

async function main() {
  const { default: uPlot } = await import('uplot');
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY_STORE, /** @type {HTMLInputElement} */ ($('key')).value.trim());
    $('key-form').hidden = true;
  });
  for (;;) {
    try {
      await poll(uPlot);
    } catch (e) {
      // The server may restart or the network drop: say so and keep polling.
      dash.error = e instanceof Error ? e.message : String(e);
      showWebGpuMessage($('error'), e);
    }
    await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
  }
}

main().catch((e) => {
  dash.error = e instanceof Error ? e.message : String(e);
  showWebGpuMessage($('error'), e);
});
