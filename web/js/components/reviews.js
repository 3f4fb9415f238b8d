/**
 * A product's reviews (`GET /products/{id}/reviews`): the rating, newest or best first,
 * a page at a time with "More reviews".
 */

import * as api from '../api.js';
import { h, append, fill } from '../dom.js';
import { formatDateTime, timeElement } from '../time.js';
import { ratingView, stars } from './rating.js';
import { select } from '../forms.js';

/** The reviews section of `product`; it loads itself. */
export function reviewsSection(product, signal) {
  const list = h('ul', { class: 'review-list' });
  const summary = h('p', {}, ratingView(product.rating));
  const more = h('button', { type: 'button', class: 'button secondary', hidden: true }, 'More reviews');
  const sort = select(
    'sort',
    [
      ['newest', 'Newest first'],
      ['rating', 'Most stars first'],
    ],
    'newest',
    { id: 'review-sort' },
  );
  const sorting = h('div', { class: 'sort' }, h('label', { for: 'review-sort' }, 'Sort reviews'), sort);
  let cursor = null;

  async function load(reset) {
    if (reset) cursor = null;
    try {
      const page = await api.get(
        `/products/${api.segment(product.id)}/reviews`,
        { sort: sort.value, cursor, limit: 10 },
        { signal },
      );
      if (reset) fill(list);
      const none = reset && page.items.length === 0;
      fill(
        summary,
        none ? 'No reviews yet. Shoppers who received this product can review it.' : ratingView(page.rating),
      );
      sorting.hidden = none;
      append(list, page.items.map(review));
      cursor = page.nextCursor ?? null;
      more.hidden = !cursor;
    } catch (error) {
      if (error.name === 'AbortError') return;
      fill(
        list,
        h('li', { class: 'muted' }, `The reviews could not be loaded: ${error.detail ?? error.message}`),
      );
    }
  }

  sort.addEventListener('change', () => load(true));
  more.addEventListener('click', () => load(false));
  load(true);

  return h(
    'section',
    { id: 'reviews', class: 'panel reviews', tabindex: '-1', 'aria-labelledby': 'reviews-heading' },
    h('h2', { id: 'reviews-heading' }, 'Reviews'),
    summary,
    sorting,
    list,
    more,
  );
}

function review(item) {
  return h(
    'li',
    { class: 'review' },
    h('p', { class: 'rating' }, stars(item.rating), `${item.rating} out of 5 stars`),
    item.title ? h('h3', {}, item.title) : null,
    item.body ? h('p', { class: 'review-body' }, item.body) : null,
    h(
      'p',
      { class: 'muted' },
      item.verifiedPurchase ? 'Verified purchase · ' : '',
      timeElement(item.createdAt, formatDateTime),
    ),
  );
}
