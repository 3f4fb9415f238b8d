/**
 * The page's polite live region (`#status` in index.html): what changed without the
 * shopper moving, such as "Added to cart" or a new order status, read out by screen
 * readers and shown briefly on screen.
 */

let clearTimer = 0;

/** Says `message` politely, and shows it for a few seconds. */
export function announce(message) {
  const region = document.getElementById('status');
  if (!region) return;
  window.clearTimeout(clearTimer);
  // Emptying first makes the same message heard again when it repeats.
  region.textContent = '';
  window.requestAnimationFrame(() => {
    region.textContent = message;
  });
  clearTimer = window.setTimeout(() => {
    region.textContent = '';
  }, 6000);
}
