/**
 * An order queue for operators (`GET /admin/orders?status=`), oldest first, each order
 * with its next step: process, ship (carrier and tracking number), mark delivered, or
 * approve its return.
 */

import * as api from '../api.js';
import { h, fill, append, hiddenText, uniqueId } from '../dom.js';
import { announce } from '../announce.js';
import { field, formAlert, input, select, showErrors, busy } from '../forms.js';
import { formatMoney } from '../money.js';
import { timeElement } from '../time.js';
import { statusBadge, statusLabel } from '../components/order-status.js';

const STATUSES = [
  'PENDING',
  'CONFIRMED',
  'PROCESSING',
  'SHIPPED',
  'DELIVERED',
  'RETURN_REQUESTED',
  'RETURNED',
  'REFUNDED',
  'CANCELLED',
  'FAILED',
];

/**
 * A queue section: `status` first shown; `choose` adds a select of every status;
 * `wide` spans the operator's grid.
 */
export function orderQueueSection({ signal, title, status, choose = false, wide = false }) {
  const headingId = uniqueId('queue-heading');
  const rows = h('tbody');
  const empty = h('p', { class: 'muted', hidden: true }, 'No orders here.');
  const more = h('button', { type: 'button', class: 'button secondary', hidden: true }, 'More orders');
  let shown = status;
  let cursor = null;

  async function load(reset) {
    if (reset) cursor = null;
    const page = await api.get('/admin/orders', { status: shown, limit: 20, cursor }, { signal });
    if (reset) fill(rows);
    append(
      rows,
      page.items.map((order) => orderRow(order, () => load(true).catch(report))),
    );
    cursor = page.nextCursor ?? null;
    more.hidden = !cursor;
    empty.hidden = rows.children.length > 0;
  }

  function report(error) {
    if (error.name !== 'AbortError')
      fill(
        rows,
        h(
          'tr',
          {},
          h('td', { colspan: '5' }, `The orders could not be loaded: ${error.detail ?? error.message}`),
        ),
      );
  }

  more.addEventListener('click', () => load(false).catch(report));
  const picker = choose
    ? h(
        'div',
        { class: 'inline-form' },
        field(
          'Status',
          select(
            'status',
            STATUSES.map((value) => [value, statusLabel(value)]),
            status,
            {
              onchange: (event) => {
                shown = event.target.value;
                load(true).catch(report);
              },
            },
          ),
        ),
        h(
          'button',
          { type: 'button', class: 'button secondary', onclick: () => load(true).catch(report) },
          'Refresh',
          hiddenText(` ${title.toLowerCase()}`),
        ),
      )
    : h(
        'p',
        {},
        h(
          'button',
          { type: 'button', class: 'button secondary', onclick: () => load(true).catch(report) },
          'Refresh',
          hiddenText(` ${title.toLowerCase()}`),
        ),
      );

  load(true).catch(report);
  return h(
    'section',
    { class: `panel${wide ? ' wide' : ''}`, 'aria-labelledby': headingId },
    h('h2', { id: headingId }, title),
    picker,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Order'),
            h('th', { scope: 'col' }, 'Shopper'),
            h('th', { scope: 'col' }, 'Items'),
            h('th', { scope: 'col', class: 'number' }, 'Total'),
            h('th', { scope: 'col' }, 'Next step'),
          ),
        ),
        rows,
      ),
    ),
    empty,
    more,
  );
}

function orderRow(order, reload) {
  const short = order.id.slice(0, 8).toUpperCase();
  return h(
    'tr',
    {},
    h(
      'td',
      {},
      h('a', { href: `#/orders/${encodeURIComponent(order.id)}`, class: 'mono' }, short),
      h('br'),
      statusBadge(order.status),
      h('br'),
      h('span', { class: 'muted' }, timeElement(order.createdAt)),
    ),
    h('td', {}, order.userId),
    h(
      'td',
      {},
      order.lines.map((line) => h('div', {}, `${line.quantity} × ${line.sku}`)),
    ),
    h('td', { class: 'number' }, formatMoney(order.totals.total)),
    h('td', {}, nextStep(order, short, reload)),
  );
}

/** The button (or small form) for the order's next step, if it has one here. */
function nextStep(order, short, reload) {
  const path = `/admin/orders/${api.segment(order.id)}`;
  const step = (label, action, done) => {
    const form = h(
      'form',
      {
        novalidate: true,
        onsubmit: async (event) => {
          event.preventDefault();
          try {
            await busy(form, () => api.post(`${path}/${action}`));
            announce(`Order ${short} ${done}.`);
            await reload();
          } catch (error) {
            showErrors(form, error);
          }
        },
      },
      formAlert(),
      h('button', { type: 'submit', class: 'button secondary' }, label, hiddenText(` order ${short}`)),
    );
    return form;
  };

  switch (order.status) {
    case 'CONFIRMED':
      return step('Process', 'process', 'is being packed');
    case 'PROCESSING':
      return shipForm(path, short, reload);
    case 'SHIPPED':
      return step('Mark delivered', 'deliver', 'is delivered');
    case 'RETURN_REQUESTED':
      return step('Approve return', 'returns/approve', 'return approved');
    default:
      return h('span', { class: 'muted' }, '—');
  }
}

function shipForm(path, short, reload) {
  const carrier = input('carrier', { maxlength: '100', value: 'UPS' });
  const tracking = input('trackingNumber', { maxlength: '100' });
  const form = h(
    'form',
    {
      class: 'ship-form',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await busy(form, () =>
            api.post(`${path}/ship`, {
              carrier: carrier.value.trim(),
              trackingNumber: tracking.value.trim(),
            }),
          );
          announce(`Order ${short} shipped.`);
          await reload();
        } catch (error) {
          showErrors(form, error);
        }
      },
    },
    formAlert(),
    field(h('span', {}, 'Carrier', hiddenText(` for order ${short}`)), carrier),
    field(h('span', {}, 'Tracking number', hiddenText(` for order ${short}`)), tracking),
    h('button', { type: 'submit', class: 'button secondary' }, 'Ship', hiddenText(` order ${short}`)),
  );
  return form;
}
