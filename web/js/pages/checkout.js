/**
 * Checkout (`#/checkout`, signed in): where to ship (a saved address from
 * `GET /me/addresses` or a new one), a quote (`POST /checkout/quote`: subtotal,
 * discount, shipping, tax, total, guaranteed until a time) that a coupon re-quotes, the
 * payment method and mock gateway token, and "Place order" (`POST /checkout` with a
 * fresh Idempotency-Key per attempt, reused when the same attempt is retried). Every
 * problem the API names a field for is shown beside that field.
 */

import * as api from '../api.js';
import { totalsList } from '../components/totals.js';
import { h, fill } from '../dom.js';
import { currentUser } from '../session.js';
import { loadCart } from '../cart.js';
import { navigate } from '../router.js';
import { announce } from '../announce.js';
import { field, formAlert, input, select, showErrors, clearErrors, formValues, busy } from '../forms.js';
import { formatMoney } from '../money.js';
import { formatDateTime, formatTimeOfDay } from '../time.js';
import { uuid } from '../uuid.js';
import {
  addressFields,
  addressLine,
  ADDRESS_FIELDS,
  REQUIRED_ADDRESS_FIELDS,
} from '../components/address-fields.js';
import { signInHref } from '../components/error-view.js';
import { purchaseToken, forgetPurchaseToken } from '../purchase-token.js';

const NEW_ADDRESS = 'new';

const PAYMENT_METHODS = [
  ['CARD', 'Card'],
  ['PAYPAL', 'PayPal'],
  ['UPI', 'UPI'],
];

/** The mock gateway's test tokens: what each makes the payment do. */
const TEST_TOKENS = [
  ['tok_approve', 'Test card — approved (tok_approve)'],
  ['tok_decline', 'Test card — declined (tok_decline)'],
  ['tok_no_answer', 'Test card — no answer (tok_no_answer)'],
];

/** Where the API's field names land in this form. */
const FIELD_NAMES = { shippingAddressId: 'shippingChoice' };

/** Renders the checkout, or sends a guest to sign in first. */
export async function render({ signal }) {
  if (!currentUser()) {
    window.location.replace(signInHref('/checkout'));
    return h('p', {}, 'Taking you to sign in…');
  }
  const [cart, book] = await Promise.all([
    loadCart({ signal }),
    api.get('/me/addresses', undefined, { signal }),
  ]);
  if (cart.lines.length === 0) {
    return h(
      'div',
      {},
      h('h1', {}, 'Checkout'),
      h(
        'div',
        { class: 'empty-state' },
        h('h2', {}, 'Your cart is empty'),
        h('p', {}, h('a', { href: '#/', class: 'button' }, 'Continue shopping')),
      ),
    );
  }
  return checkoutForm(cart, book.addresses ?? [], signal);
}

function checkoutForm(cart, savedAddresses, signal) {
  const pass = purchaseToken();
  const summary = h('div', { class: 'quote' });
  const couponInput = input('couponCode', { maxlength: '32', autocomplete: 'off', spellcheck: 'false' });

  /** The quote in view and the request it answered, to tell whether it still holds. */
  let quote = null;
  let quotedRequest = '';
  /** The last request sent for a quote, answered or not, so that none is sent twice. */
  let askedRequest = '';
  let quoteTimer = 0;
  /** The attempt at placing the order: its Idempotency-Key and body. */
  let attempt = null;

  const newAddress = h(
    'fieldset',
    { class: 'new-address' },
    h('legend', { class: savedAddresses.length ? 'visually-hidden' : null }, 'New address'),
    addressFields(),
    h(
      'div',
      { class: 'checkbox' },
      h('input', { type: 'checkbox', name: 'saveAddress', id: 'save-address' }),
      h('label', { for: 'save-address' }, 'Save this address for next time'),
    ),
  );

  const form = h(
    'form',
    {
      class: 'checkout',
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        busy(form, placeOrder);
      },
      onchange: (event) => {
        if (event.target.name === 'shippingChoice') showAddressChoice();
        if (ADDRESS_FIELDS.includes(event.target.name) || event.target.name === 'shippingChoice')
          quoteWhenReady();
      },
    },
    h('h1', {}, 'Checkout'),
    formAlert(),
    pass ? h('p', { class: 'callout' }, flashSaleNote(pass)) : null,
    h(
      'div',
      { class: 'checkout-layout' },
      h(
        'div',
        {},
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'shipping-heading' },
          h('h2', { id: 'shipping-heading' }, 'Shipping address'),
          savedAddresses.length ? savedAddressChoice(savedAddresses) : null,
          newAddress,
          h(
            'button',
            { type: 'button', class: 'button secondary', onclick: () => busy(form, requote) },
            'Calculate total',
          ),
        ),
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'payment-heading' },
          h('h2', { id: 'payment-heading' }, 'Payment'),
          h(
            'div',
            { class: 'field-row' },
            field('Pay with', select('paymentMethod', PAYMENT_METHODS, 'CARD')),
            field('Test payment', select('paymentToken', TEST_TOKENS, 'tok_approve'), {
              hint: 'This shop takes no real money: choose how the test gateway answers.',
            }),
          ),
        ),
      ),
      h(
        'aside',
        { class: 'panel summary', 'aria-labelledby': 'summary-heading' },
        h('h2', { id: 'summary-heading' }, 'Order summary'),
        summary,
        h(
          'div',
          { class: 'coupon-row' },
          field('Coupon code', couponInput),
          h(
            'button',
            { type: 'button', class: 'button secondary', onclick: () => busy(form, requote) },
            'Apply coupon',
          ),
        ),
        h('button', { type: 'submit', class: 'button large' }, 'Place order'),
      ),
    ),
  );

  /** The quote's body: the address (or its id) and the coupon. */
  function quoteRequest() {
    const values = formValues(form, [...ADDRESS_FIELDS, 'shippingChoice', 'couponCode']);
    const body = {};
    if (values.shippingChoice && values.shippingChoice !== NEW_ADDRESS) {
      body.shippingAddressId = values.shippingChoice;
    } else {
      // Optional fields left empty are left out; required ones are sent even when empty,
      // so that the API names what is missing.
      body.shippingAddress = Object.fromEntries(
        ADDRESS_FIELDS.filter(
          (name) => values[name] !== undefined || REQUIRED_ADDRESS_FIELDS.includes(name),
        ).map((name) => [name, values[name] ?? '']),
      );
    }
    if (values.couponCode) body.couponCode = values.couponCode;
    return body;
  }

  function quoteHolds() {
    return (
      quote !== null &&
      quotedRequest === JSON.stringify(quoteRequest()) &&
      Date.parse(quote.priceGuaranteedUntil) > Date.now()
    );
  }

  async function requote() {
    window.clearTimeout(quoteTimer);
    clearErrors(form);
    const body = quoteRequest();
    askedRequest = JSON.stringify(body);
    try {
      const answer = await api.post('/checkout/quote', body, { signal });
      quote = answer;
      quotedRequest = JSON.stringify(body);
      fill(summary, quoteView(answer));
      announce(
        `Total ${formatMoney(answer.totals.total)}, guaranteed until ${formatTimeOfDay(answer.priceGuaranteedUntil)}.`,
      );
      return true;
    } catch (error) {
      if (error.name === 'AbortError') return false;
      quote = null;
      fill(summary, cartView(cart));
      showErrors(form, error, FIELD_NAMES);
      return false;
    }
  }

  /** Quotes on its own once every required address field has something in it. */
  function quoteWhenReady() {
    window.clearTimeout(quoteTimer);
    const body = quoteRequest();
    const address = body.shippingAddress;
    const complete = !address || REQUIRED_ADDRESS_FIELDS.every((name) => address[name]);
    if (complete && JSON.stringify(body) !== askedRequest) {
      quoteTimer = window.setTimeout(() => busy(form, requote), 400);
    }
  }

  function showAddressChoice() {
    const choice = form.elements.namedItem('shippingChoice');
    newAddress.hidden = Boolean(choice) && choice.value !== NEW_ADDRESS;
  }

  async function saveAddressIfAsked() {
    const wanted = form.elements.namedItem('saveAddress')?.checked && !newAddress.hidden;
    if (!wanted) return true;
    try {
      await api.post('/me/addresses', quoteRequest().shippingAddress, { signal });
      form.elements.namedItem('saveAddress').checked = false;
      return true;
    } catch (error) {
      showErrors(form, error, FIELD_NAMES);
      return false;
    }
  }

  async function placeOrder() {
    if (!quoteHolds() && !(await requote())) return;
    if (!(await saveAddressIfAsked())) return;
    clearErrors(form);

    const values = formValues(form, ['paymentMethod', 'paymentToken']);
    const body = {
      ...quoteRequest(),
      paymentMethod: values.paymentMethod,
      paymentToken: values.paymentToken,
    };
    // A flash sale's token and a quote do not go together: the token prices the sale SKU.
    if (pass) body.purchaseToken = pass.token;
    else body.quoteId = quote.quoteId;

    const sent = JSON.stringify(body);
    if (attempt?.body !== sent) attempt = { key: uuid(), body: sent };
    try {
      const accepted = await api.post('/checkout', body, {
        headers: { 'Idempotency-Key': attempt.key },
        signal,
      });
      attempt = null;
      if (pass) forgetPurchaseToken();
      announce('Order placed.');
      navigate(`/orders/${encodeURIComponent(accepted.orderId)}`);
    } catch (error) {
      if (error.name === 'AbortError') return;
      // The shop keeps its answer to a key: only a retry of an unanswered attempt reuses it.
      if (!outcomeUnknown(error)) attempt = null;
      await explainRefusal(error);
    }
  }

  /** Shows why the order was refused, re-quoting when prices moved. */
  async function explainRefusal(error) {
    const problem = error.problem ?? {};
    if (error.status === 409 && Array.isArray(problem.outOfStock) && problem.outOfStock.length) {
      showErrors(form, {
        errors: [],
        detail:
          `There is not enough stock of ${problem.outOfStock.join(', ')} for your order. ` +
          'Change the quantity in your cart and try again.',
      });
      return;
    }
    if (error.status === 409 && problem.totals) {
      await requote();
      showErrors(form, {
        errors: [],
        detail:
          'Your cart or its prices changed since the quote. Check the new total, then place the order again.',
      });
      return;
    }
    showErrors(form, error, FIELD_NAMES);
  }

  fill(summary, cartView(cart));
  showAddressChoice();
  if (savedAddresses.length) window.setTimeout(() => busy(form, requote), 0);
  return form;
}

/** What a flash sale's purchase token does to this checkout. */
function flashSaleNote(pass) {
  const price = pass.salePrice ? ` of ${formatMoney(pass.salePrice)}` : '';
  const holds = pass.expiresAt ? ` (your place holds until ${formatTimeOfDay(pass.expiresAt)})` : '';
  return (
    `Flash sale: ${pass.sku} is charged at the sale price${price} when you place the order${holds}. ` +
    'The quote shows the regular price.'
  );
}

/**
 * Whether the shop may still be working on (or never received) an attempt, so that
 * trying again must send the same Idempotency-Key: no answer, too busy, a server error,
 * or the 409 that says the first request with the key is still in progress.
 */
function outcomeUnknown(error) {
  if (error.status === 0 || error.status === 429 || error.status >= 500) return true;
  return error.status === 409 && !error.problem?.outOfStock && !error.problem?.totals;
}

function savedAddressChoice(addresses) {
  const preferred = addresses.find((address) => address.isDefault) ?? addresses[0];
  const option = (value, label, checked) => {
    const id = `ship-${value}`;
    return h(
      'li',
      {},
      h(
        'label',
        { class: 'choice', for: id },
        h('input', { type: 'radio', name: 'shippingChoice', id, value, checked }),
        h('span', {}, label),
      ),
    );
  };
  return h(
    'fieldset',
    {},
    h('legend', {}, 'Ship to'),
    h(
      'ul',
      { class: 'choice-list' },
      addresses.map((address) =>
        option(
          address.addressId,
          `${addressLine(address)}${address.isDefault ? ' (default)' : ''}`,
          address === preferred,
        ),
      ),
      option(NEW_ADDRESS, 'A new address', false),
    ),
  );
}

/** Before a quote: the cart's lines and subtotal. */
function cartView(cart) {
  return [
    h(
      'ul',
      { class: 'quote-lines' },
      cart.lines.map((line) =>
        h(
          'li',
          {},
          h('span', {}, `${line.quantity} × ${line.name}`),
          h('span', {}, formatMoney(line.lineTotal)),
        ),
      ),
    ),
    h('dl', { class: 'totals' }, h('dt', {}, 'Subtotal'), h('dd', {}, formatMoney(cart.subtotal))),
    h('p', { class: 'muted' }, 'Enter your address to see shipping, tax and the total.'),
  ];
}

/** A quote: its lines with what changed, the totals, and how long they hold. */
function quoteView(quote) {
  const { totals } = quote;
  const coupon = quote.discounts?.[0]?.couponCode;
  return [
    h(
      'ul',
      { class: 'quote-lines' },
      quote.lines.map((line) =>
        h(
          'li',
          {},
          h(
            'span',
            {},
            `${line.quantity} × ${line.name}`,
            line.unavailable ? [' ', h('span', { class: 'flag bad' }, 'No longer sold')] : null,
            line.insufficientStock ? [' ', h('span', { class: 'flag bad' }, 'Not enough stock')] : null,
            line.priceChanged
              ? [
                  ' ',
                  h('span', { class: 'flag warn' }, `Price changed from ${formatMoney(line.priceWhenAdded)}`),
                ]
              : null,
          ),
          h('span', {}, formatMoney(line.lineTotal)),
        ),
      ),
    ),
    totalsList(totals, { couponCode: coupon, testId: 'quote-totals' }),
    h(
      'p',
      { class: 'guarantee' },
      'Price guaranteed until ',
      h('time', { datetime: quote.priceGuaranteedUntil }, formatDateTime(quote.priceGuaranteedUntil)),
      '.',
    ),
  ];
}
