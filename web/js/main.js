/**
 * The storefront's entry point: reads config.json, finishes a sign-in the shopper came
 * back from, draws the header and starts the router.
 */

import { loadConfig } from './config.js';
import { renderHeader } from './components/header.js';
import { startRouter } from './router.js';
import { finishRedirectedSignIn } from './sign-in/index.js';

async function boot() {
  await loadConfig();
  await finishRedirectedSignIn();
  renderHeader(document.getElementById('site-header'));
  startRouter(document.getElementById('main'));
}

// The skip link moves the focus without touching the address (the router owns it).
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main')?.focus();
});

boot().catch((error) => {
  console.error(error);
  const main = document.getElementById('main');
  main.textContent = 'The shop could not start. Please reload the page.';
});
