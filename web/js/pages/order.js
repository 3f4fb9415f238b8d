/**
 * One order (`#/orders/<id>`, `GET /orders/{id}`): its status, lines, totals, payment,
 * address and shipment, and its history as a timeline. While the checkout saga decides
 * (PENDING), or a refund is on its way, the page asks again every half second and says
 * each new status. It offers Cancel when the status allows it
 * (`POST /orders/{id}/cancel`) and, once delivered, a return of some lines
 * (`POST /orders/{id}/return`).
 */

import * as api from '../api.js';
import { totalsList } from '../components/totals.js';
import { h, fill, hiddenText } from '../dom.js';
import { announce } from '../announce.js';
import { poll } from '../poll.js';
import { loadCart } from '../cart.js';
import { currentUser } from '../session.js';
import { field, formAlert, input, showErrors, busy } from '../forms.js';
import { formatMoney } from '../money.js';
import { formatDateTime, formatPrecise, timeElement } from '../time.js';
import { statusBadge, statusLabel } from '../components/order-status.js';
import { addressLine } from '../components/address-fields.js';

const POLL_MS = 500;
/** Statuses that something in the background will soon move on. */
const SETTLING = new Set(['PENDING', 'RETURNED']);

/** Whether the shop is still at work on the order: its saga, or a refund on its way. */
function settling(order) {
  return (
    SETTLING.has(order.status) ||
    (order.payment?.refunds ?? []).some((refund) => refund.status === 'REQUESTED')
  );
}
const CANCELLABLE = new Set(['PENDING', 'CONFIRMED', 'PROCESSING']);

/** Renders the order and follows it while it settles. */
export async function render({ params, signal }) {
  const path = `/orders/${api.segment(params.id)}`;
  const view = h('div', { class: 'order' });
  let order = await api.get(path, undefined, { signal });

  let following = false;
  /** Asks again every half second while the shop is still at work on the order. */
  const follow = () => {
    if (following || !settling(order)) return;
    following = true;
    poll(
      async () => {
        const next = await api.get(path, undefined, { signal });
        if (JSON.stringify(next) !== JSON.stringify(order)) {
          show(next);
          // A confirmed order empties the cart: the header's count follows.
          if (next.status === 'CONFIRMED') loadCart().catch(() => {});
        }
        following = settling(next);
        return following;
      },
      POLL_MS,
      signal,
    );
  };

  const show = (next) => {
    const before = order.status;
    order = next;
    fill(view, orderView(order, { path, show, signal }));
    if (before !== order.status) announce(`Order status: ${statusLabel(order.status)}.`);
    follow();
  };

  fill(view, orderView(order, { path, show, signal }));
  follow();
  return view;
}

function orderView(order, context) {
  return [
    h(
      'div',
      { class: 'order-head' },
      h('h1', {}, 'Order ', h('span', { class: 'mono' }, shortId(order.id))),
      statusBadge(order.status, { 'data-testid': 'order-status' }),
    ),
    h(
      'p',
      { class: 'muted' },
      'Placed ',
      timeElement(order.createdAt),
      ' · ',
      h('span', { class: 'mono' }, order.id),
    ),
    statusNote(order),
    h(
      'div',
      { class: 'order-layout' },
      h(
        'div',
        {},
        linesPanel(order),
        order.status === 'DELIVERED' ? returnPanel(order, context) : null,
        order.returnRequest ? returnRequestPanel(order) : null,
      ),
      h(
        'div',
        {},
        timelinePanel(order),
        paymentPanel(order),
        deliveryPanel(order),
        CANCELLABLE.has(order.status) ? cancelPanel(order, context) : null,
      ),
    ),
  ];
}

function shortId(id) {
  return id.slice(0, 8).toUpperCase();
}

/** A sentence on what the status means for the shopper now. */
function statusNote(order) {
  switch (order.status) {
    case 'PENDING':
      return h(
        'p',
        { class: 'callout' },
        'Your stock is reserved and the payment is being authorized. This page updates by itself.',
      );
    case 'CONFIRMED':
      return h(
        'p',
        { class: 'callout good' },
        'Thank you! Your payment went through and your order is confirmed.',
      );
    case 'CANCELLED': {
      const reason = order.history.at(-1)?.reason;
      return h(
        'p',
        { class: 'callout' },
        `This order was cancelled${reason ? ` (${reason})` : ''}. Any payment is voided or refunded.`,
      );
    }
    case 'FAILED':
      return h(
        'p',
        { class: 'callout' },
        'This order could not be completed. Any payment is voided or refunded.',
      );
    case 'RETURNED':
      return h('p', { class: 'callout' }, 'We received your return. The refund is on its way.');
    default:
      return null;
  }
}

function linesPanel(order) {
  const { totals } = order;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'lines-heading' },
    h('h2', { id: 'lines-heading' }, 'Items'),
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
            h('th', { scope: 'col' }, 'Item'),
            h('th', { scope: 'col', class: 'number' }, 'Qty'),
            h('th', { scope: 'col', class: 'number hide-narrow' }, 'Price'),
            h('th', { scope: 'col', class: 'number' }, 'Total'),
          ),
        ),
        h(
          'tbody',
          {},
          order.lines.map((line) =>
            h(
              'tr',
              {},
              h(
                'td',
                {},
                h('a', { href: `#/product/${encodeURIComponent(line.productId)}` }, line.name),
                h('br'),
                h('span', { class: 'muted' }, line.sku),
              ),
              h('td', { class: 'number' }, String(line.quantity)),
              h('td', { class: 'number hide-narrow' }, formatMoney(line.unitPrice)),
              h('td', { class: 'number' }, formatMoney(line.lineTotal)),
            ),
          ),
        ),
      ),
    ),
    order.outOfStock?.length
      ? h('p', { class: 'flag bad' }, `Out of stock: ${order.outOfStock.join(', ')}`)
      : null,
    totalsList(totals, { couponCode: order.couponCode }),
  );
}

function timelinePanel(order) {
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'timeline-heading' },
    h('h2', { id: 'timeline-heading' }, 'Timeline'),
    h(
      'ol',
      { class: 'timeline', 'data-testid': 'order-timeline' },
      order.history.map((step) =>
        h(
          'li',
          {},
          h('strong', {}, statusLabel(step.to)),
          step.reason ? h('span', {}, ` — ${step.reason}`) : null,
          h(
            'span',
            { class: 'when' },
            timeElement(step.at, formatPrecise),
            ` · by ${actorLabel(step.actor)}`,
          ),
        ),
      ),
    ),
  );
}

function actorLabel(actor) {
  if (actor === currentUser()?.user) return 'you';
  if (actor.startsWith('admin:')) return 'the shop';
  return actor.replace(/-/g, ' ');
}

function paymentPanel(order) {
  const { payment } = order;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'payment-heading' },
    h('h2', { id: 'payment-heading' }, 'Payment'),
    payment
      ? h(
          'dl',
          { class: 'totals' },
          h('dt', {}, 'Method'),
          h('dd', {}, methodLabel(payment.method)),
          h('dt', {}, 'Amount'),
          h('dd', {}, formatMoney(payment.amount)),
          h('dt', {}, 'Status'),
          h('dd', { 'data-testid': 'payment-status' }, paymentLabel(payment.status)),
          (payment.refunds ?? []).map((refund) => [
            h('dt', {}, `Refund (${refund.id})`),
            h(
              'dd',
              {},
              `${formatMoney(refund.amount)}, ${refund.status === 'SUCCEEDED' ? 'refunded' : 'requested'}`,
            ),
          ]),
        )
      : h('p', { class: 'muted' }, 'No payment yet.'),
  );
}

function methodLabel(method) {
  return { CARD: 'Card', PAYPAL: 'PayPal', UPI: 'UPI' }[method] ?? method;
}

function paymentLabel(status) {
  return (
    {
      AUTHORIZING: 'Being authorized',
      AUTHORIZED: 'Authorized',
      DECLINED: 'Declined',
      CAPTURED: 'Paid',
      VOIDED: 'Voided',
      REFUNDED: 'Refunded',
    }[status] ?? status
  );
}

function deliveryPanel(order) {
  const address = order.shippingAddress;
  const { shipment } = order;
  if (!address && !shipment) return null;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'delivery-heading' },
    h('h2', { id: 'delivery-heading' }, 'Delivery'),
    address ? h('p', {}, addressLine(address)) : null,
    shipment
      ? h(
          'p',
          {},
          `Shipped with ${shipment.carrier}, tracking number `,
          h('span', { class: 'mono' }, shipment.trackingNumber),
          ', on ',
          timeElement(shipment.shippedAt, formatDateTime),
          '.',
        )
      : null,
  );
}

/** Cancel, asked twice: first the button, then a confirmation with an optional reason. */
function cancelPanel(order, { path, show, signal }) {
  const panel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'cancel-heading' },
    h('h2', { id: 'cancel-heading' }, 'Changed your mind?'),
  );
  const start = h(
    'button',
    {
      type: 'button',
      class: 'button danger',
      onclick: () => {
        start.hidden = true;
        confirmation.hidden = false;
        confirmation.querySelector('input').focus();
      },
    },
    'Cancel order',
  );
  const reason = input('reason', { maxlength: '500' });
  const keep = h(
    'button',
    {
      type: 'button',
      class: 'button secondary',
      onclick: () => {
        confirmation.hidden = true;
        start.hidden = false;
        start.focus();
      },
    },
    'Keep the order',
  );
  const confirmation = h(
    'form',
    {
      novalidate: true,
      hidden: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const body = reason.value.trim() ? { reason: reason.value.trim() } : undefined;
        try {
          const cancelled = await busy(confirmation, () => api.post(`${path}/cancel`, body, { signal }));
          show(cancelled);
        } catch (error) {
          showErrors(confirmation, error);
        }
      },
    },
    formAlert(),
    h('p', {}, 'Cancelling puts the items back on sale and voids or refunds your payment.'),
    field('Reason (optional)', reason),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'button danger' }, 'Yes, cancel the order'),
      keep,
    ),
  );
  panel.append(start, confirmation);
  return panel;
}

/** A delivered order's return: how many of each line, and why. */
function returnPanel(order, { path, show, signal }) {
  const quantities = order.lines.map((line) =>
    input(`return-${line.sku}`, {
      type: 'number',
      inputmode: 'numeric',
      min: '0',
      max: String(line.quantity),
      value: '0',
    }),
  );
  const reason = h('textarea', { name: 'reason', rows: '3', maxlength: '500' });
  const form = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const lines = order.lines
          .map((line, index) => ({ sku: line.sku, quantity: Number(quantities[index].value) }))
          .filter((line) => line.quantity > 0);
        try {
          const returned = await busy(form, () =>
            api.post(`${path}/return`, { reason: reason.value.trim(), lines }, { signal }),
          );
          show(returned);
        } catch (error) {
          showErrors(form, error);
        }
      },
    },
    formAlert(),
    order.lines.map((line, index) =>
      field(
        h('span', {}, `Units of ${line.name} to return`, hiddenText(` (at most ${line.quantity})`)),
        quantities[index],
      ),
    ),
    field('Why are you sending them back?', reason),
    h('button', { type: 'submit', class: 'button' }, 'Request return'),
  );
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'return-heading' },
    h('h2', { id: 'return-heading' }, 'Return items'),
    h(
      'p',
      { class: 'muted' },
      'You can send items back within 30 days of delivery. Each is refunded at the price you paid once we receive it.',
    ),
    form,
  );
}

function returnRequestPanel(order) {
  const request = order.returnRequest;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'return-request-heading' },
    h('h2', { id: 'return-request-heading' }, 'Your return'),
    h('p', {}, 'Asked on ', timeElement(request.requestedAt), `: “${request.reason}”`),
    h(
      'ul',
      {},
      request.lines.map((line) =>
        h('li', {}, `${line.quantity} × ${line.sku}, refund ${formatMoney(line.amount)}`),
      ),
    ),
  );
}
