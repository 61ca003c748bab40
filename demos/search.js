/**
 * Page code of demos/search.html: loads a compiled sentence encoder into this tab, embeds a built-in corpus, and
 * ranks it by cosine similarity to the query as the user types. Demo pages may hold globals; the library modules
 * (runtime_js/) hold none.
 */
import { showWebGpuMessage, webGpuApiProblem } from '/runtime_js/webgpu_check.js';
import { fmtMB, progressReporter } from './load_progress.js';

const CORPUS = [
  'The cat is sleeping on the warm windowsill.',
  'A dog is chasing a ball in the park.',
  'Fresh bread is baked every morning at the corner bakery.',
  'She cooked pasta with tomatoes, garlic and basil for dinner.',
  'The recipe needs two eggs, a cup of flour and some sugar.',
  'The football match ended in a draw after extra time.',
  'He runs ten kilometres every Sunday to train for the marathon.',
  'The tennis player won her third championship this year.',
  'Python is a popular programming language for data science.',
  'The compiler turns source code into machine instructions.',
  'WebGPU lets web pages run compute shaders on the graphics card.',
  'A memory leak made the server crash every few hours.',
  'The telescope captured images of a distant galaxy.',
  'Astronauts live on the space station for months at a time.',
  'Mars has the largest volcano in the solar system.',
  'Heavy rain and strong winds are expected tomorrow.',
  'It was a sunny day with a light breeze by the sea.',
  'Snow covered the mountain villages overnight.',
  'The orchestra played a symphony by Beethoven.',
  'She learned to play the guitar when she was twelve.',
  'The band released a new album with ten songs.',
  'Interest rates were raised to slow down inflation.',
  'The company reported record profits this quarter.',
  'He saved money every month to buy a house.',
  'The museum opened an exhibition of ancient Egyptian art.',
  'The novel tells the story of a family over three generations.',
  'Regular exercise and good sleep improve your health.',
  'The doctor recommended drinking more water.',
  'The train to the airport leaves every fifteen minutes.',
  'They spent their holiday hiking in the Alps.',
];

const params = new URLSearchParams(location.search);
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const meta = $('meta');
const timing = $('timing');
const input = /** @type {HTMLInputElement} */ ($('query'));

/** What tests read; also handy in the console. */
const state = {
  state: 'loading', error: null, model: null, adapter: null, variant: null, load: null, corpus: CORPUS,
  corpusMs: null, query: null, results: [], queryMs: null, searches: 0,
};
window.__webshard = state;


/** Show `error` in the page and the console, and stop taking input. */
function fail(error) {
  console.error(error);
  state.state = 'error';
  state.error = error instanceof Error ? error.message : String(error);
  meta.textContent = 'Stopped: see the message below.';
  $('progress-box').hidden = true;
  input.disabled = true;
  showWebGpuMessage($('error'), error);
}

/**
 * Cosine similarity (the encoder's vectors are unit length when it normalizes; dividing keeps any model right).
 * @param {Float32Array} a
 * @param {Float32Array} b
 */
function cosine(a, b) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.max(Math.sqrt(na * nb), 1e-12);
}

/** @param {Array<{index: number, text: string, score: number}>} results */
function render(results) {
  const list = $('results');
  list.replaceChildren(...results.map((r) => {
    const li = document.createElement('li');
    const text = document.createElement('span');
    text.textContent = r.text;
    const score = document.createElement('span');
    score.className = 'score';
    const bar = document.createElement('span');
    bar.className = 'bar';
    const fill = document.createElement('span');
    fill.style.width = `${(Math.max(0, r.score) * 100).toFixed(1)}%`;
    bar.append(fill);
    const value = document.createElement('span');
    value.textContent = r.score.toFixed(3);
    score.append(bar, value);
    li.append(text, score);
    return li;
  }));
}

async function main() {
  const problem = webGpuApiProblem();
  if (problem) throw problem;
  const modelId = params.get('model') ?? 'minilm';
  // The id becomes part of a URL path: letters, digits, dashes and underscores only.
  if (!/^[A-Za-z0-9][\w.-]*$/.test(modelId)) throw new Error(`invalid model id ${JSON.stringify(modelId)}`);
  $('model-name').textContent = `· ${modelId}`;
  state.model = modelId;
  meta.textContent = `Loading ${modelId}…`;
  // Imported here, not at the top: if the vendored tokenizer module is missing, the page can still say so.
  const { WebEncoder } = await import('/runtime_js/encoder.js');
  const encoder = await WebEncoder.load(`/artifacts/${modelId}/`, {
    onProgress: progressReporter(),
    variant: params.get('variant'),
    onLost: (info) => fail(new Error(`The GPU device was lost (${info.reason || 'unknown reason'}): ${info.message}. ` +
      'Reload the page to start again.')),
  });
  window.__webshardEncoder = encoder; // for tests and dev scripts (tests/dev/bench_embed_browser.py)
  const l = encoder.loadStats;
  Object.assign(state, { adapter: encoder.adapterName, variant: encoder.variant, load: l, state: 'embedding' });
  meta.textContent = `Embedding ${CORPUS.length} sentences…`;
  $('progress-box').hidden = true;
  const t0 = performance.now();
  const docs = await encoder.embed(CORPUS);
  state.corpusMs = performance.now() - t0;
  meta.textContent = `${modelId} on ${encoder.adapterName} (${encoder.variant} kernels) · loaded in ` +
    `${(l.ms / 1000).toFixed(1)} s (${fmtMB(l.networkBytes)} downloaded, ${fmtMB(l.cachedBytes)} from cache) · ` +
    `${CORPUS.length} sentences embedded in ${(state.corpusMs / 1000).toFixed(2)} s`;

  // One embedding at a time: while one runs, keep only the newest query and run it next.
  let running = false;
  /** @type {string | null} */
  let next = null;
  const search = async (q) => {
    next = q;
    if (running) return;
    running = true;
    try {
      while (next !== null) {
        const query = next;
        next = null;
        if (!query.trim()) {
          Object.assign(state, { query, results: [] });
          render([]);
          timing.textContent = '';
          continue;
        }
        state.state = 'searching';
        const t = performance.now();
        const [v] = await encoder.embed([query]);
        const results = docs.map((d, index) => ({ index, text: CORPUS[index], score: cosine(v, d) }))
          .sort((a, b) => b.score - a.score);
        Object.assign(state, { query, results, queryMs: performance.now() - t, searches: state.searches + 1 });
        render(results);
        timing.textContent = `query embedded and ${CORPUS.length} sentences ranked in ${state.queryMs.toFixed(0)} ms`;
      }
    } finally {
      running = false;
      if (state.state !== 'error') state.state = 'ready';
    }
  };
  input.addEventListener('input', () => { search(input.value).catch(fail); });
  input.disabled = false;
  input.focus();
  state.state = 'ready';
  if (params.has('q')) {
    input.value = params.get('q');
    await search(input.value);
  } else {
    render(CORPUS.map((text, index) => ({ index, text, score: 0 })));
  }
}

main().catch(fail);
