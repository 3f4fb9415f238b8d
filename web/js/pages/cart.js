/**
 * The cart (`#/cart`, `GET /cart`): each line with its quantity (`PUT /cart/items/{id}`)
 * and a Remove button (`DELETE`), what changed since it was added (price, availability,
 * stock), the subtotal, and "Check out", which asks a guest to sign in first.
 */

import { h, fill, hiddenText } from '../dom.js';
import { loadCart, removeLine, setQuantity } from '../cart.js';
import { currentUser } from '../session.js';
import { navigate } from '../router.js';
import { announce } from '../announce.js';
import { field, formAlert, input, showErrors, clearErrors } from '../forms.js';
import { formatMoney } from '../money.js';
import { productTile } from '../components/product-card.js';
import { signInHref } from '../components/error-view.js';

/** Renders the cart. */
export async function render({ signal }) {
  const view = h('div', { class: 'cart' });
  fill(view, cartView(await loadCart({ signal }), view));
  return view;
}

function cartView(cart, view) {
  const redraw = (next) => {
    const focused = document.activeElement?.id;
    fill(view, cartView(next, view));
    // Keep the shopper's place: back to the control they used, or to the heading.
    const again = focused && document.getElementById(focused);
    (again || view.querySelector('h1'))?.focus();
  };

  if (cart.lines.length === 0) {
    return [
      h('h1', { tabindex: '-1' }, 'Your cart'),
      h(
        'div',
        { class: 'empty-state' },
        h('h2', {}, 'Your cart is empty'),
        h('p', {}, 'Find something you like and add it here.'),
        h('p', {}, h('a', { href: '#/', class: 'button' }, 'Continue shopping')),
      ),
    ];
  }

  return [
    h('h1', { tabindex: '-1' }, 'Your cart'),
    h(
      'div',
      { class: 'cart-layout' },
      h(
        'section',
        { class: 'panel', 'aria-label': 'Items' },
        cart.needsAttention
          ? h(
              'p',
              { class: 'callout' },
              'Some items changed since you added them. Check the notes below before you check out.',
            )
          : null,
        h(
          'ul',
          { class: 'cart-lines' },
          cart.lines.map((line) => cartLine(line, redraw)),
        ),
      ),
      summary(cart),
    ),
  ];
}

function cartLine(line, redraw) {
  let asked = line.quantity;
  const quantity = input('quantity', {
    type: 'number',
    inputmode: 'numeric',
    min: '1',
    max: '50',
    value: String(line.quantity),
    id: `quantity-${line.itemId}`,
  });
  const form = h(
    'form',
    {
      class: 'cart-line-controls',
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        update();
      },
    },
    field(h('span', {}, 'Quantity', hiddenText(` of ${line.name}`)), quantity),
    h(
      'button',
      { type: 'submit', class: 'button secondary' },
      'Update',
      hiddenText(` quantity of ${line.name}`),
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'button danger',
        id: `remove-${line.itemId}`,
        onclick: async () => {
          try {
            const cart = await removeLine(line.itemId);
            announce(`Removed ${line.name} from your cart.`);
            redraw(cart);
          } catch (error) {
            showErrors(form, error);
          }
        },
      },
      'Remove',
      hiddenText(` ${line.name}`),
    ),
    formAlert(),
  );

  async function update() {
    clearErrors(form);
    const count = Number(quantity.value);
    if (count === asked) return;
    asked = count;
    try {
      const cart = await setQuantity(line.itemId, count);
      announce(`${line.name}: quantity ${count}.`);
      redraw(cart);
    } catch (error) {
      asked = line.quantity;
      showErrors(form, error);
    }
  }
  quantity.addEventListener('change', update);

  return h(
    'li',
    { class: 'cart-line' },
    productTile({ brand: line.name, name: line.name }),
    h(
      'div',
      {},
      h('h2', {}, h('a', { href: `#/product/${encodeURIComponent(line.productId)}` }, line.name)),
      h('p', { class: 'muted' }, `SKU ${line.sku} · ${formatMoney(line.unitPrice)} each`),
      lineFlags(line),
      h('p', {}, h('strong', {}, formatMoney(line.lineTotal))),
      form,
    ),
  );
}

/** What changed about a line since it was added, in words. */
function lineFlags(line) {
  const flags = [];
  if (!line.available) {
    flags.push(h('span', { class: 'flag bad' }, 'No longer available — remove it to check out'));
  } else if (!line.inStock) {
    flags.push(h('span', { class: 'flag bad' }, 'Out of stock'));
  }
  if (line.priceChanged) {
    const up = line.unitPrice.amount > line.priceWhenAdded.amount;
    flags.push(
      h(
        'span',
        { class: 'flag warn' },
        `Price ${up ? 'went up' : 'went down'}: was ${formatMoney(line.priceWhenAdded)}, now ${formatMoney(line.unitPrice)}`,
      ),
    );
  }
  return flags.length ? h('p', { class: 'line-flags' }, flags) : null;
}

function summary(cart) {
  return h(
    'aside',
    { class: 'panel summary', 'aria-labelledby': 'cart-summary' },
    h('h2', { id: 'cart-summary' }, 'Summary'),
    h(
      'dl',
      { class: 'totals' },
      h('dt', {}, `Items (${cart.itemCount})`),
      h('dd', {}, formatMoney(cart.subtotal)),
      h('dt', { class: 'grand' }, 'Subtotal'),
      h('dd', { class: 'grand' }, formatMoney(cart.subtotal)),
    ),
    h('p', { class: 'muted' }, 'Shipping and tax are worked out at checkout.'),
    h(
      'button',
      {
        type: 'button',
        class: 'button large',
        onclick: () => {
          if (currentUser()) navigate('/checkout');
          else window.location.hash = signInHref('/checkout');
        },
      },
      'Check out',
    ),
    currentUser()
      ? null
      : h('p', { class: 'muted' }, 'You will be asked to sign in first; your cart comes with you.'),
  );
}
