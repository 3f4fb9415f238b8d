/**
 * Repeating work while a page is shown: `poll(step, ms, signal)` runs `step` now and
 * again `ms` after each run finishes, until it answers false or the page is left.
 */

/** Runs `step` until it answers false or `signal` is aborted. */
export function poll(step, intervalMs, signal) {
  let timer = 0;
  const run = async () => {
    if (signal.aborted) return;
    let again = true;
    try {
      again = (await step()) !== false;
    } catch (error) {
      // A failed round is tried again at the next one; leaving the page aborts quietly.
      if (error.name !== 'AbortError') console.warn('polling:', error);
    }
    if (again && !signal.aborted) timer = window.setTimeout(run, intervalMs);
  };
  signal.addEventListener('abort', () => window.clearTimeout(timer));
  run();
}
