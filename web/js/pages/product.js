/**
 * One product (`#/product/<id>`, `GET /products/{id}`): its variants to choose from, the
 * chosen one's price and availability, a quantity and "Add to cart" (`POST /cart/items`),
 * then its description and reviews (`GET /products/{id}/reviews`).
 */

import * as api from '../api.js';
import { breadcrumb } from '../components/breadcrumb.js';
import { h, fill, uniqueId } from '../dom.js';
import { categoryPath } from '../categories.js';
import { addToCart } from '../cart.js';
import { announce } from '../announce.js';
import { field, formAlert, input, showErrors, clearErrors, busy } from '../forms.js';
import { priceView } from '../components/price.js';
import { ratingView } from '../components/rating.js';
import { productTile } from '../components/product-card.js';
import { reviewsSection } from '../components/reviews.js';

const MOST_PER_LINE = 50;

/** Renders the product named in the address. */
export async function render({ params, signal }) {
  const product = await api.get(`/products/${api.segment(params.id)}`, undefined, { signal });
  const trail = await categoryPath(product.categoryId).catch(() => []);

  return h(
    'article',
    { class: 'product' },
    trail.length ? breadcrumb(trail) : null,
    h(
      'div',
      { class: 'product-layout' },
      productTile(product, 'large'),
      h(
        'div',
        { class: 'product-facts' },
        h('h1', {}, product.name),
        h('p', { class: 'product-brand' }, `by ${product.brand}`),
        h('p', {}, h('a', { href: '#reviews', onclick: jumpToReviews }, ratingView(product.rating))),
        buyBox(product),
        product.description ? h('p', { class: 'description' }, product.description) : null,
        attributes(product.attributes),
      ),
    ),
    reviewsSection(product, signal),
  );
}

function jumpToReviews(event) {
  // The address belongs to the router: scroll by hand.
  event.preventDefault();
  const section = document.getElementById('reviews');
  section?.scrollIntoView();
  section?.focus({ preventScroll: true });
}

/** Whether a variant's sale price applies now (within its window, when it has one). */
function onSaleNow(variant, now = Date.now()) {
  if (!variant.salePrice) return false;
  const started = !variant.saleStartsAt || Date.parse(variant.saleStartsAt) <= now;
  const notEnded = !variant.saleEndsAt || now < Date.parse(variant.saleEndsAt);
  return started && notEnded;
}

/** Units of a variant on sale now: the API's `available`. */
function unitsAvailable(variant) {
  return Math.max(0, variant.available ?? 0);
}

function availabilityText(units) {
  if (units === 0) return 'Out of stock';
  if (units <= 5) return `Only ${units} left`;
  return 'In stock';
}

/** The variant choice, price, availability, quantity and the Add to cart button. */
function buyBox(product) {
  const variants = product.variants;
  let chosen = variants.find((variant) => unitsAvailable(variant) > 0) ?? variants[0];

  const price = h('p', { class: 'product-price-large' });
  const availability = h('p', { class: 'stock' });
  const quantity = input('quantity', {
    type: 'number',
    inputmode: 'numeric',
    min: '1',
    max: String(MOST_PER_LINE),
    value: '1',
  });
  const addButton = h('button', { type: 'submit', class: 'button large' }, 'Add to cart');
  const confirmation = h('div', { class: 'added', 'aria-live': 'off' });

  function show(variant) {
    chosen = variant;
    const sale = onSaleNow(variant);
    fill(price, priceView(sale ? variant.salePrice : variant.price, sale ? variant.price : null));
    const units = unitsAvailable(variant);
    availability.className = `stock ${units > 0 ? 'in-stock' : 'out-of-stock'}`;
    availability.textContent = availabilityText(units);
    quantity.max = String(Math.max(1, Math.min(MOST_PER_LINE, units)));
    addButton.disabled = units === 0;
  }

  const alert = formAlert();
  const form = h(
    'form',
    {
      class: 'buy-box',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        clearErrors(form);
        fill(confirmation);
        const count = Number(quantity.value);
        try {
          await busy(form, () => addToCart(chosen.sku, count));
          const what = variants.length > 1 ? `${product.name} – ${chosen.name}` : product.name;
          announce(`Added ${count} × ${what} to your cart.`);
          fill(
            confirmation,
            h(
              'p',
              { class: 'callout good' },
              `Added ${count} × ${what} to your cart. `,
              h('a', { href: '#/cart' }, 'View cart'),
            ),
          );
        } catch (error) {
          showErrors(form, error, { sku: 'variant' });
        }
      },
    },
    alert,
    variants.length > 1
      ? variantChoice(variants, chosen, show)
      : h('p', {}, h('span', { class: 'muted' }, 'Variant: '), chosen.name),
    price,
    availability,
    h('div', { class: 'quantity' }, field('Quantity', quantity)),
    addButton,
    confirmation,
  );
  show(chosen);
  return form;
}

function variantChoice(variants, chosen, show) {
  const name = 'variant';
  const errorId = uniqueId('variant-error');
  return h(
    'fieldset',
    {},
    h('legend', {}, 'Choose a variant'),
    h(
      'ul',
      { class: 'choice-list' },
      variants.map((variant, index) => {
        const id = `${name}-${index}`;
        const units = unitsAvailable(variant);
        const sale = onSaleNow(variant);
        return h(
          'li',
          {},
          h(
            'label',
            { class: 'choice variant-choice', for: id },
            h('input', {
              type: 'radio',
              id,
              name,
              value: variant.sku,
              checked: variant === chosen,
              'aria-describedby': index === 0 ? errorId : null,
              onchange: () => show(variant),
            }),
            h(
              'span',
              { class: 'variant-text' },
              variant.name,
              ' ',
              h('span', { class: 'muted' }, `(${availabilityText(units)})`),
            ),
            h('span', { class: 'price' }, priceView(sale ? variant.salePrice : variant.price, null)),
          ),
        );
      }),
    ),
    h('p', { class: 'field-error', id: errorId, hidden: true }),
  );
}

function attributes(attributes = {}) {
  const entries = Object.entries(attributes);
  if (entries.length === 0) return null;
  return h(
    'section',
    {},
    h('h2', {}, 'Details'),
    h(
      'dl',
      { class: 'attributes' },
      entries.map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]),
    ),
  );
}
