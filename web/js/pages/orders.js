/**
 * My orders (`#/orders`, `GET /orders`): the signed-in shopper's orders, newest first,
 * each with its status and total and a link to it; "More orders" reads the next page.
 */

import * as api from '../api.js';
import { h, append } from '../dom.js';
import { currentUser } from '../session.js';
import { formatMoney } from '../money.js';
import { timeElement } from '../time.js';
import { statusBadge } from '../components/order-status.js';
import { signInHref } from '../components/error-view.js';

const PAGE_SIZE = 20;

/** Renders the shopper's orders. */
export async function render({ signal }) {
  if (!currentUser()) {
    window.location.replace(signInHref('/orders'));
    return h('p', {}, 'Taking you to sign in…');
  }
  const first = await api.get('/orders', { limit: PAGE_SIZE }, { signal });
  if (first.items.length === 0) {
    return h(
      'div',
      {},
      h('h1', {}, 'My orders'),
      h(
        'div',
        { class: 'empty-state' },
        h('h2', {}, 'No orders yet'),
        h('p', {}, h('a', { href: '#/', class: 'button' }, 'Start shopping')),
      ),
    );
  }

  const list = h('ul', { class: 'order-list' }, first.items.map(orderItem));
  let cursor = first.nextCursor ?? null;
  const more = h(
    'button',
    {
      type: 'button',
      class: 'button secondary',
      hidden: !cursor,
      onclick: async () => {
        more.disabled = true;
        try {
          const page = await api.get('/orders', { limit: PAGE_SIZE, cursor }, { signal });
          append(list, page.items.map(orderItem));
          cursor = page.nextCursor ?? null;
          more.hidden = !cursor;
        } finally {
          more.disabled = false;
        }
      },
    },
    'More orders',
  );
  return h('div', {}, h('h1', {}, 'My orders'), list, h('p', { class: 'pager' }, more));
}

function orderItem(order) {
  const items = order.lines.reduce((sum, line) => sum + line.quantity, 0);
  const names = order.lines.map((line) => line.name).join(', ');
  return h(
    'li',
    { class: 'panel order-summary' },
    h(
      'div',
      {},
      h(
        'h2',
        { class: 'order-title' },
        h(
          'a',
          { href: `#/orders/${encodeURIComponent(order.id)}` },
          'Order ',
          h('span', { class: 'mono' }, order.id.slice(0, 8).toUpperCase()),
        ),
      ),
      h(
        'p',
        { class: 'muted' },
        'Placed ',
        timeElement(order.createdAt),
        ` · ${items} item${items === 1 ? '' : 's'}`,
      ),
      h('p', {}, names),
    ),
    h(
      'div',
      { class: 'order-side' },
      statusBadge(order.status),
      h('p', { class: 'price' }, formatMoney(order.totals.total)),
    ),
  );
}
