/** One product in a list of results: a picture tile, name (the link), brand, price, rating and stock. */

import { h } from '../dom.js';
import { priceView } from './price.js';
import { ratingView } from './rating.js';

/** A card for a `ProductSummary`. */
export function productCard(product) {
  const href = `#/product/${encodeURIComponent(product.id)}`;
  return h(
    'li',
    { class: 'product-card' },
    productTile(product),
    h('h3', { class: 'product-name' }, h('a', { href }, product.name)),
    h('p', { class: 'product-brand' }, product.brand),
    h(
      'p',
      { class: 'product-price' },
      priceView(product.price, product.onSale ? product.regularPrice : null),
    ),
    h('p', {}, ratingView(product.rating)),
    h(
      'p',
      { class: product.inStock ? 'stock in-stock' : 'stock out-of-stock' },
      product.inStock ? 'In stock' : 'Out of stock',
    ),
  );
}

/**
 * A picture stand-in: the product's images live on another host, which the shop's
 * content security policy keeps out, so the tile shows the brand's initial instead.
 */
export function productTile(product, size = 'small') {
  const hue = [...(product.brand ?? '')].reduce((sum, letter) => sum + letter.charCodeAt(0), 0) % 8;
  return h(
    'div',
    { class: `product-tile tile-${size} hue-${hue}`, 'aria-hidden': 'true' },
    (product.brand ?? product.name ?? '?').slice(0, 1),
  );
}
