/**
 * The trail from "All products" down a category path (`trail`: root first), each step a
 * link; the last marked as the page shown when `lastIsPage` (a category's own page).
 */

import { h } from '../dom.js';

export function breadcrumb(trail, { lastIsPage = false } = {}) {
  return h(
    'nav',
    { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
    h(
      'ol',
      {},
      h('li', {}, h('a', { href: '#/' }, 'All products')),
      trail.map((node, index) => {
        const current = lastIsPage && index === trail.length - 1 ? { 'aria-current': 'page' } : {};
        return h('li', {}, h('a', { href: `#/category/${encodeURIComponent(node.id)}`, ...current }, node.name));
      }),
    ),
  );
}
