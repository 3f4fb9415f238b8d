/**
 * A flash sale (`#/sale/<saleId>`, `GET /flash-sales/{id}`): the sale and regular price,
 * units left, a countdown to the start, and its waiting room: join the queue
 * (`POST /flash-sales/{id}/queue`), follow the ticket's place and estimated wait
 * (`GET /flash-sales/{id}/queue/{ticketId}`), and once admitted "Buy now", which puts
 * the SKU in the cart and checks out with the purchase token. "Sold out" shows as soon
 * as the sale or the ticket says so.
 */

import * as api from '../api.js';
import { h, fill } from '../dom.js';
import { currentUser } from '../session.js';
import { addToCart, loadCart } from '../cart.js';
import { announce } from '../announce.js';
import { navigate } from '../router.js';
import { poll } from '../poll.js';
import { formatMoney } from '../money.js';
import { formatDateTime, formatDuration, formatTimeOfDay, timeElement } from '../time.js';
import { priceView } from '../components/price.js';
import { signInHref } from '../components/error-view.js';
import { keepPurchaseToken } from '../purchase-token.js';

const SALE_POLL_MS = 2000;
const TICKET_POLL_MS = 1000;

/** Renders the sale and follows it (and the shopper's ticket) while the page is shown. */
export async function render({ params, signal }) {
  const path = `/flash-sales/${api.segment(params.id)}`;
  let sale = await api.get(path, undefined, { signal });
  const product = await api
    .get(`/products/${api.segment(sale.productId)}`, undefined, { signal })
    .catch(() => null);
  const variant = product?.variants.find((one) => one.sku === sale.sku);
  const title = product
    ? `${product.name}${variant && product.variants.length > 1 ? ` – ${variant.name}` : ''}`
    : sale.sku;

  const facts = h('div', { class: 'sale-facts' });
  const countdown = h('p', { class: 'countdown', 'aria-live': 'off' });
  const queue = h('div', { class: 'sale-queue' });
  let ticket = storedTicket(sale.saleId);
  let followingTicket = false;

  function showFacts() {
    fill(
      facts,
      h('p', { class: 'product-price-large' }, priceView(sale.salePrice, sale.regularPrice)),
      h('p', {}, saleStatusText(sale)),
      h(
        'p',
        { class: 'muted' },
        `Up to ${sale.perCustomerLimit} per shopper · ends `,
        timeElement(sale.endsAt, formatDateTime),
      ),
    );
  }

  function tick() {
    const left = (Date.parse(sale.startsAt) - Date.now()) / 1000;
    countdown.hidden = sale.status !== 'SCHEDULED' || left <= 0;
    countdown.textContent = `Starts in ${formatDuration(left)}`;
  }

  let shownQueue = '';
  /** Redraws the queue part only when what it says changed, so the focus stays put. */
  function showQueue() {
    const said = JSON.stringify([sale.status, Boolean(currentUser()), ticket]);
    if (said === shownQueue) return;
    shownQueue = said;
    drawQueue();
  }

  function drawQueue() {
    const user = currentUser();
    // An admitted shopper's units are held for them even once the sale is sold out.
    if (user && ticket?.status === 'ADMITTED') return fill(queue, ticketView(ticket, sale, buy));
    if (sale.status === 'SOLD_OUT')
      return fill(
        queue,
        h(
          'p',
          { class: 'callout', 'data-testid': 'sale-sold-out' },
          'Sold out. Every unit has been sold or promised.',
        ),
      );
    if (sale.status === 'ENDED') return fill(queue, h('p', { class: 'callout' }, 'This sale has ended.'));
    if (!user) {
      return fill(
        queue,
        h(
          'p',
          {},
          h(
            'a',
            { href: signInHref(`/sale/${sale.saleId}`), class: 'button large' },
            'Sign in to join the queue',
          ),
        ),
      );
    }
    if (!ticket) {
      return fill(
        queue,
        h(
          'p',
          { class: 'muted' },
          sale.status === 'SCHEDULED'
            ? 'Join before the start: everyone who joins early is shuffled when the sale opens, so there is no need to rush.'
            : 'Join the queue: shoppers are let in to buy in the order they joined.',
        ),
        h('button', { type: 'button', class: 'button large', onclick: join }, 'Join the queue'),
      );
    }
    return fill(queue, ticketView(ticket, sale, buy));
  }

  async function join(event) {
    event.currentTarget.disabled = true;
    try {
      ticket = await api.post(`${path}/queue`, undefined, { signal });
      storeTicket(sale.saleId, ticket.ticketId);
      announce('You joined the queue.');
      showQueue();
      followTicket();
    } catch (error) {
      fill(queue, h('p', { class: 'form-alert', role: 'alert' }, error.detail ?? error.message));
      shownQueue = '';
    }
  }

  async function buy(event) {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      const cart = await loadCart();
      if (!cart.lines.some((line) => line.sku === sale.sku)) await addToCart(sale.sku, 1);
      keepPurchaseToken({
        saleId: sale.saleId,
        sku: sale.sku,
        token: ticket.purchaseToken,
        expiresAt: ticket.tokenExpiresAt,
        salePrice: sale.salePrice,
      });
      navigate('/checkout');
    } catch (error) {
      button.disabled = false;
      fill(
        queue,
        h('p', { class: 'form-alert', role: 'alert' }, error.detail ?? error.message),
        ticketView(ticket, sale, buy),
      );
      shownQueue = '';
    }
  }

  function followTicket() {
    if (followingTicket || !ticket) return;
    followingTicket = true;
    poll(
      async () => {
        let next;
        try {
          next = await api.get(`${path}/queue/${api.segment(ticket.ticketId)}`, undefined, { signal });
        } catch (error) {
          // A ticket of another user, or one the shop forgot: join afresh.
          if (error.status === 404) {
            forgetTicket(sale.saleId);
            ticket = null;
            followingTicket = false;
            showQueue();
            return false;
          }
          throw error;
        }
        if (next.status !== ticket.status) announce(ticketAnnouncement(next));
        ticket = next;
        showQueue();
        const waiting = next.status === 'WAITING' || next.status === 'ADMITTED';
        if (!waiting) followingTicket = false;
        return waiting;
      },
      TICKET_POLL_MS,
      signal,
    );
  }

  poll(
    async () => {
      const before = sale.status;
      sale = await api.get(path, undefined, { signal });
      if (sale.status !== before) announce(saleStatusText(sale));
      showFacts();
      tick();
      if (!ticket || sale.status === 'SOLD_OUT' || sale.status === 'ENDED') showQueue();
      // A sold-out sale opens again when a held unit is given back; only the end is final.
      return sale.status !== 'ENDED';
    },
    SALE_POLL_MS,
    signal,
  );
  const clock = window.setInterval(tick, 1000);
  signal.addEventListener('abort', () => window.clearInterval(clock));

  showFacts();
  tick();
  showQueue();
  if (ticket && currentUser()) followTicket();

  return h(
    'div',
    { class: 'sale' },
    h(
      'section',
      { class: 'panel sale-hero' },
      h('p', { class: 'flag bad' }, 'Flash sale'),
      h('h1', {}, title),
      product
        ? h('p', {}, h('a', { href: `#/product/${encodeURIComponent(product.id)}` }, 'About this product'))
        : null,
      facts,
      countdown,
      queue,
    ),
  );
}

function saleStatusText(sale) {
  switch (sale.status) {
    case 'SCHEDULED':
      return `Opens at ${formatTimeOfDay(sale.startsAt)} with ${sale.unitsLeft} units.`;
    case 'OPEN':
      return `Open now: about ${sale.unitsLeft} units left.`;
    case 'SOLD_OUT':
      return 'Sold out.';
    case 'ENDED':
      return 'The sale has ended.';
    default:
      return sale.status;
  }
}

function ticketAnnouncement(ticket) {
  switch (ticket.status) {
    case 'ADMITTED':
      return 'It is your turn: you can buy now.';
    case 'SOLD_OUT':
      return 'Sold out.';
    case 'EXPIRED':
      return 'Your turn to buy has passed.';
    case 'ENDED':
      return 'The sale has ended.';
    default:
      return 'You are in the queue.';
  }
}

/** Where the shopper's ticket stands, and the Buy now button once admitted. */
function ticketView(ticket, sale, buy) {
  switch (ticket.status) {
    case 'WAITING':
      return h(
        'div',
        { 'data-testid': 'sale-ticket', 'data-status': ticket.status },
        h(
          'p',
          { class: 'queue-position' },
          ticket.position ? `You are number ${ticket.position} in line` : 'You are in line',
        ),
        h(
          'p',
          { class: 'muted' },
          sale.status === 'SCHEDULED'
            ? 'Places are shuffled when the sale opens. Keep this page open.'
            : `Estimated wait: ${formatDuration(ticket.estimatedWaitSeconds ?? 0)}. Keep this page open.`,
        ),
      );
    case 'ADMITTED':
      return h(
        'div',
        { 'data-testid': 'sale-ticket', 'data-status': ticket.status },
        h(
          'p',
          { class: 'callout good' },
          `It is your turn! ${unitsHeld(ticket.units ?? 1)} for you at ${formatMoney(sale.salePrice)}`,
          ticket.tokenExpiresAt ? ` until ${formatTimeOfDay(ticket.tokenExpiresAt)}.` : '.',
        ),
        ticket.units === 0
          ? h(
              'p',
              {},
              'You have bought what this sale allows you. ',
              h('a', { href: '#/orders' }, 'See your orders'),
            )
          : h('button', { type: 'button', class: 'button large', onclick: buy }, 'Buy now'),
      );
    case 'SOLD_OUT':
      return h(
        'p',
        { class: 'callout', 'data-testid': 'sale-sold-out' },
        'Sold out. Every unit has been sold or promised.',
      );
    case 'EXPIRED':
      return h(
        'p',
        { class: 'callout' },
        'Your turn to buy passed before you checked out, and the units went to the next in line.',
      );
    case 'ENDED':
      return h('p', { class: 'callout' }, 'This sale has ended.');
    default:
      return h('p', {}, ticket.status);
  }
}

function unitsHeld(units) {
  return units === 1 ? '1 unit is held' : `${units} units are held`;
}

/** The shopper's ticket for a sale is kept per user, so a reload resumes it. */
function ticketKey(saleId) {
  return `mambogo.ticket.${currentUser()?.user}.${saleId}`;
}

function storedTicket(saleId) {
  const ticketId = localStorage.getItem(ticketKey(saleId));
  return ticketId ? { ticketId, status: 'WAITING' } : null;
}

function storeTicket(saleId, ticketId) {
  localStorage.setItem(ticketKey(saleId), ticketId);
}

function forgetTicket(saleId) {
  localStorage.removeItem(ticketKey(saleId));
}
