/**
 * Page code of demos/chat.html: loads a compiled model into this tab and chats with it.
 * Demo pages may hold globals; the library modules (runtime_js/) hold none.
 */
import { showWebGpuMessage, webGpuApiProblem } from '/runtime_js/webgpu_check.js';
import { fmtMB, progressReporter } from './load_progress.js';

const params = new URLSearchParams(location.search);
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const meta = $('meta');
const speed = $('speed');
const input = /** @type {HTMLTextAreaElement} */ ($('input'));
const send = /** @type {HTMLButtonElement} */ ($('send'));
const stop = /** @type {HTMLButtonElement} */ ($('stop'));

/** What tests read; also handy in the console. */
const state = {
  state: 'loading', error: null, promptIds: null, ids: [], text: '', stats: null, load: null,
  adapter: null, variant: null, autotune: null, model: null, readyMs: null, firstTokenMs: null,
};
window.__webshard = state;

/** @type {{role: string, content: string}[]} */
const history = [];
/** @type {AbortController | null} */
let running = null;


/** Show `error` in the page and the console, and stop taking input: never leave a half-working chat. */
function fail(error) {
  console.error(error);
  state.state = 'error';
  state.error = error instanceof Error ? error.message : String(error);
  meta.textContent = 'Stopped: see the message below.';
  $('progress-box').hidden = true;
  input.disabled = send.disabled = stop.disabled = true;
  showWebGpuMessage($('error'), error);
}

/**
 * @param {string} role
 * @param {string} text
 */
function addMessage(role, text) {
  const box = document.createElement('div');
  box.className = `msg ${role}`;
  const label = document.createElement('span');
  label.className = 'role';
  label.textContent = role;
  const body = document.createElement('span');
  body.textContent = text;
  box.append(label, body);
  $('messages').append(box);
  box.scrollIntoView({ block: 'end' });
  return body;
}

/**
 * One reply: encode (chat template unless ?raw=1), stream ids into the page, keep stats for tests.
 * @param {import('/runtime_js/generate.js').WebModel} model
 * @param {typeof import('/runtime_js/tokenizer.js').StreamDecoder} StreamDecoder
 * @param {string} prompt
 */
async function reply(model, StreamDecoder, prompt) {
  const raw = params.get('raw') === '1';
  addMessage('user', prompt);
  history.push({ role: 'user', content: prompt });
  const promptIds = raw ? model.encode(prompt) : model.encodeChat(history);
  const out = addMessage('assistant', '');
  const decoder = new StreamDecoder(model.codec);
  running = new AbortController();
  Object.assign(state, { state: 'generating', promptIds, ids: [], text: '' });
  input.disabled = send.disabled = true;
  stop.disabled = false;
  const maxTokens = Number(params.get('max_tokens') ?? 256);
  const temperature = Number(params.get('temperature') ?? 0);
  speed.textContent = `prefill of ${promptIds.length} tokens…`;
  try {
    for await (const id of model.generate(promptIds, { maxTokens, temperature, signal: running.signal })) {
      // Since navigation start: the bench script reports page load -> first token from this.
      if (state.firstTokenMs === null) state.firstTokenMs = performance.now();
      state.ids.push(id);
      out.textContent += decoder.push(id);
      state.text = out.textContent;
      const s = model.stats;
      speed.textContent = `prefill ${s.promptTokens} tokens in ${(s.prefillMs / 1000).toFixed(2)} s` +
        (s.decodeTokens ? ` · decode ${s.decodeTokS.toFixed(2)} tokens/s` : '');
    }
    out.textContent += decoder.flush();   // a character the reply ended inside of still shows (as U+FFFD)
    state.text = out.textContent;
  } finally {
    running = null;
    stop.disabled = true;
  }
  history.push({ role: 'assistant', content: state.text });
  state.stats = { ...model.stats };
  speed.textContent += ` · ${state.ids.length} tokens, stopped at ${model.stats.stopReason}`;
  state.state = 'done';
  input.disabled = send.disabled = false;
  input.focus();
}

async function main() {
  const problem = webGpuApiProblem();
  if (problem) throw problem;
  const modelId = params.get('model') ?? 'smollm2';
  // The id becomes part of a URL path: letters, digits, dashes and underscores only.
  if (!/^[A-Za-z0-9][\w.-]*$/.test(modelId)) throw new Error(`invalid model id ${JSON.stringify(modelId)}`);
  $('model-name').textContent = `· ${modelId}`;
  state.model = modelId;
  meta.textContent = `Loading ${modelId}…`;
  // Imported here, not at the top: if the vendored tokenizer/jinja modules are missing, the page can still say so.
  const [{ WebModel }, { StreamDecoder }] = await Promise.all([
    import('/runtime_js/generate.js'), import('/runtime_js/tokenizer.js'),
  ]);
  // One conversation per tab: one sequence slot, so the KV cache costs one context's worth of memory.
  const model = await WebModel.load(`/artifacts/${modelId}/`, {
    slots: 1,
    onProgress: progressReporter(),
    variant: params.get('variant'),
    autotune: params.get('autotune') !== '0',
    onLost: (info) => fail(new Error(`The GPU device was lost (${info.reason || 'unknown reason'}): ${info.message}. ` +
      'Reload the page to start again.')),
  });
  const l = model.loadStats;
  Object.assign(state, {
    adapter: model.adapterName, variant: model.variant, autotune: model.autotune, load: l, readyMs: performance.now(),
    state: 'ready',
  });
  window.__webshardModel = model; // for the console and dev scripts (tests/dev/bench_browser.py); not serializable
  $('progress-box').hidden = true;
  const tuned = model.autotune ? `, autotuned in ${model.autotune.seconds.toFixed(1)} s` : '';
  meta.textContent = `${modelId} on ${model.adapterName} (${model.variant} kernels${tuned}) · loaded in ` +
    `${(l.ms / 1000).toFixed(1)} s · ${fmtMB(l.networkBytes)} downloaded, ${fmtMB(l.cachedBytes)} from cache`;
  input.disabled = send.disabled = false;

  const submit = async () => {
    const text = input.value.trim();
    if (!text || running) return;
    input.value = '';
    await reply(model, StreamDecoder, text).catch(fail);
  };
  $('form').addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); submit(); }
  });
  // Takes effect at the next step: during a long prompt, after the prefill chunk the GPU is running.
  stop.addEventListener('click', () => running?.abort());

  if (params.has('prompt')) {
    input.value = params.get('prompt');
    if (params.get('autorun') === '1') await submit();
  }
}

main().catch(fail);
