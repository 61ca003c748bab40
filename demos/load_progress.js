// What the demo pages share while a model loads: byte counts, and the progress bar with its ETA.

/** @param {number} bytes */
export const fmtMB = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * The loaders' onProgress callback for the page's #progress-box (#progress bar, #progress-text): bytes, percentage
 * and an ETA from the average rate so far.
 * @returns {(loaded: number, total: number) => void}
 */
export function progressReporter() {
  const started = performance.now();
  const bar = /** @type {HTMLProgressElement} */ (document.getElementById('progress'));
  const text = /** @type {HTMLElement} */ (document.getElementById('progress-text'));
  /** @type {HTMLElement} */ (document.getElementById('progress-box')).hidden = false;
  return (loaded, total) => {
    bar.value = total ? loaded / total : 1;
    const rate = loaded / Math.max((performance.now() - started) / 1000, 1e-3);
    // Pipelines compile while shards download; on a software adapter they can outlast the download.
    const eta = loaded < total ? (loaded > 0 ? ` · about ${Math.ceil((total - loaded) / rate)} s left` : '')
      : ' · preparing the GPU…';
    text.textContent = `${fmtMB(loaded)} of ${fmtMB(total)} (${((100 * loaded) / (total || 1)).toFixed(0)}%)${eta}`;
  };
}
