/**
 * Page code of demos/worker.html: this tab joins the server's swarm as a worker (runtime_js/worker.js) and shows
 * what it does. Demo pages may hold globals; the library modules (runtime_js/) hold none.
 */
import { showWebGpuMessage, webGpuApiProblem } from '/runtime_js/webgpu_check.js';
import { fmtMB } from './load_progress.js';

const params = new URLSearchParams(location.search);
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const leaveButton = /** @type {HTMLButtonElement} */ ($('leave'));

/** What tests read: the worker's status snapshot plus the error shown, if any. */
window.__webshardWorker = { state: 'new', error: null };

const STATE_WORDS = {
  new: 'starting', connecting: 'joining…', probing: 'measuring this GPU…', idle: 'waiting for work',
  loading: 'loading layers…', ready: 'serving', left: 'left', refused: 'refused', evicted: 'evicted',
  closed: 'disconnected', error: 'stopped',
};

/**
 * Show an error in the page (the chat page's message box) and in window.__webshardWorker.
 * @param {unknown} error
 */
function fail(error) {
  console.error(error);
  const message = error instanceof Error ? error.message : String(error);
  window.__webshardWorker = { ...window.__webshardWorker, state: 'error', error: message };
  $('state').textContent = STATE_WORDS.error;
  $('state').dataset.state = 'error';
  leaveButton.disabled = true;
  showWebGpuMessage($('error'), error);
}

/**
 * @param {import('/runtime_js/worker.js').WorkerStatus} s
 * @param {any} manifest  null until the worker has fetched it
 */
function render(s, manifest) {
  $('state').textContent = STATE_WORDS[s.state] ?? s.state;
  $('state').dataset.state = s.state;
  $('adapter').textContent = s.adapter ?? '—';
  // The autotuner's record when this tab timed the candidates (runtime_js/autotune.js tuneStage).
  const tuned = s.autotune ? Object.entries(s.autotune.ms).map(([v, ms]) => `${v} ${ms.toFixed(2)} ms`).join(', ') : '';
  $('variant').textContent = s.variant ? `${s.variant} variant${tuned ? ` (timed here: ${tuned})` : ''}` : '—';
  $('measured').textContent = s.layerMs == null ? '—'
    : `${s.layerMs.toFixed(2)} ms per layer-step · ${(s.memoryBytes / 2 ** 20).toFixed(0)} MiB of GPU memory ` +
      'allocated in a probe';
  $('model').textContent = s.model ? `${s.model}${s.workerId ? ` · this tab is worker ${s.workerId}` : ''}` : '—';
  if (s.range) {
    const layers = s.layers.length ? `layers ${s.layers[0]}–${s.layers.at(-1)}` : 'no layer';
    $('range').textContent = `${s.range.first} … ${s.range.last} (${layers}, ${s.slots} slots, ${s.wire} links)`;
  } else {
    $('range').textContent = ['idle', 'probing', 'connecting'].includes(s.state) ? 'nothing yet' : '—';
  }
  $('steps').textContent = s.steps ? `${s.steps} · last ${s.lastStepMs.toFixed(1)} ms · ` +
    `${fmtMB(s.bytesIn)} in, ${fmtMB(s.bytesOut)} out` : '0';
  if (manifest) {
    const units = manifest.plan.units;
    const box = $('units');
    if (box.childElementCount !== units.length) {
      box.replaceChildren(...units.map((u) => {
        const cell = document.createElement('div');
        cell.className = 'unit';
        cell.title = u.name;
        return cell;
      }));
    }
    const names = units.map((u) => u.name);
    const [a, b] = s.range ? [names.indexOf(s.range.first), names.indexOf(s.range.last)] : [-1, -2];
    [...box.children].forEach((cell, i) => cell.classList.toggle('mine', i >= a && i <= b));
  }
  const loading = s.state === 'loading';
  $('progress-box').hidden = !loading;
  if (loading) {
    const { loaded, total } = s.progress;
    /** @type {HTMLProgressElement} */ ($('progress')).value = total ? loaded / total : 0;
    $('progress-text').textContent = `${fmtMB(loaded)} of ${fmtMB(total)} of shards` +
      (loaded >= total && total ? ' · preparing the GPU…' : '');
  }
}

async function main() {
  const problem = webGpuApiProblem();
  if (problem) throw problem;
  // Imported here, not at the top: the page can still say what is wrong when a module fails to load.
  const { SwarmWorker, testSwitchesFromParams } = await import('/runtime_js/worker.js');
  const worker = new SwarmWorker({
    token: params.get('token') ?? '',   // none: the server refuses the tab, and the page says so
    name: params.get('name') ?? 'browser tab',
    variant: params.get('variant'),
    test: testSwitchesFromParams(params),
  });
  window.__webshardWorkerObject = worker;   // for the console; not serializable
  worker.addEventListener('change', () => {
    window.__webshardWorker = { ...worker.status, error: window.__webshardWorker.error };
    render(worker.status, worker.manifest);
  });
  leaveButton.disabled = false;
  leaveButton.addEventListener('click', () => worker.leave());
  // Closing the tab says goodbye too (best effort: the coordinator also notices the closed connection).
  addEventListener('pagehide', () => worker.leave());
  const { state, reason } = await worker.run();
  leaveButton.disabled = true;
  if (state === 'left') {
    $('note').textContent = 'You left the swarm. Reload the page to join again.';
    return;
  }
  let message = reason;
  if (state === 'refused' && !params.get('token')) {
    message += '. This page needs the join token: open the link `webshard serve` printed, which ends in ?token=…';
  } else if (state === 'refused') {
    message += '. Check the token: it changes each time the server starts unless it was given with --join-token.';
  }
  window.__webshardWorker = { ...worker.status, error: message };
  showWebGpuMessage($('error'), new Error(message));
}

main().catch(fail);
