/**
 * Hash routing: `#/path?query` picks a page module and renders it into <main>. Pages
 * live in pages/ and load when first visited. A page's `render(context)` answers the
 * element to show; `context` carries the path's `params`, the `query` (URLSearchParams)
 * and a `signal` aborted when the shopper moves on (to stop polling). Page paths never
 * collide with the API's, which are real paths beside this one.
 */

import { fill } from './dom.js';
import { errorView } from './components/error-view.js';

const routes = [
  { path: '/', page: () => import('./pages/catalog.js') },
  { path: '/search', page: () => import('./pages/catalog.js') },
  { path: '/category/:id', page: () => import('./pages/catalog.js') },
  { path: '/product/:id', page: () => import('./pages/product.js') },
  { path: '/cart', page: () => import('./pages/cart.js') },
  { path: '/sign-in', page: () => import('./pages/sign-in.js') },
  { path: '/checkout', page: () => import('./pages/checkout.js') },
  { path: '/orders', page: () => import('./pages/orders.js') },
  { path: '/orders/:id', page: () => import('./pages/order.js') },
  { path: '/operator', page: () => import('./pages/operator.js') },
  { path: '/sale/:id', page: () => import('./pages/sale.js') },
];

let outlet = null;
let leaving = null;
let firstRender = true;
/** The id of the control to focus after the next render, instead of the heading. */
let focusAfterRender = null;

/** Starts rendering the page the address names, now and on every change of it. */
export function startRouter(main) {
  outlet = main;
  window.addEventListener('hashchange', render);
  render();
}

/** The page path now: `/search?q=lamp` for `#/search?q=lamp`. */
export function currentPath() {
  const hash = window.location.hash;
  return hash.startsWith('#/') ? hash.slice(1) : '/';
}

/**
 * Goes to a page path (`/cart`); the same path again renders it afresh. With
 * `keepFocus`, the control that has the focus keeps it when the new page has one with
 * the same id (a filter toggled stays under the keyboard).
 */
export function navigate(path, { keepFocus = false } = {}) {
  focusAfterRender = keepFocus ? document.activeElement?.id || null : null;
  if (currentPath() === path) render();
  else window.location.hash = `#${path}`;
}

function match(pathname) {
  const parts = pathname.split('/').filter(Boolean);
  for (const route of routes) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params = {};
    const fits = pattern.every((piece, index) => {
      if (piece.startsWith(':')) {
        params[piece.slice(1)] = decodeURIComponent(parts[index]);
        return true;
      }
      return piece === parts[index];
    });
    if (fits) return { route, params };
  }
  return null;
}

async function render() {
  leaving?.abort();
  const controller = new AbortController();
  leaving = controller;

  const path = currentPath();
  const [pathname, search = ''] = path.split('?');
  const found = match(pathname);
  outlet.setAttribute('aria-busy', 'true');

  let view;
  try {
    if (!found) {
      view = errorView({ status: 404, detail: `There is no page at ${pathname}.` });
    } else {
      const module = await found.route.page();
      view = await module.render({
        params: found.params,
        query: new URLSearchParams(search),
        path,
        signal: controller.signal,
      });
    }
  } catch (error) {
    if (controller.signal.aborted) return;
    console.error(error);
    view = errorView(error, () => render());
  }
  if (controller.signal.aborted) return;

  fill(outlet, view);
  outlet.removeAttribute('aria-busy');
  const heading = outlet.querySelector('h1');
  document.title = heading ? `${heading.textContent} · Mambogo` : 'Mambogo';
  const kept = focusAfterRender && document.getElementById(focusAfterRender);
  focusAfterRender = null;
  if (kept) {
    kept.focus();
  } else if (!firstRender) {
    window.scrollTo(0, 0);
    // Moving the focus to the new page's heading tells screen readers where they are.
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }
  firstRender = false;
  document.dispatchEvent(new CustomEvent('page-rendered', { detail: { path } }));
}
