/** A product's rating: stars for the eye, "4.2 out of 5 stars, 12 reviews" for everyone. */

import { h } from '../dom.js';

/** The rating `{average, count}`; products without reviews say so. */
export function ratingView(rating) {
  if (!rating || rating.average === null || rating.average === undefined || rating.count === 0) {
    return h('span', { class: 'rating no-rating' }, 'No reviews yet');
  }
  const reviews = `${rating.count} review${rating.count === 1 ? '' : 's'}`;
  return h(
    'span',
    { class: 'rating' },
    stars(rating.average),
    h('span', {}, `${rating.average.toFixed(1)} out of 5 stars, ${reviews}`),
  );
}

/** Five stars filled to `value`, hidden from screen readers (the text says it). */
export function stars(value) {
  const rounded = Math.round(value);
  return h(
    'span',
    { class: 'stars', 'aria-hidden': 'true' },
    '★'.repeat(rounded),
    h('span', { class: 'stars-empty' }, '☆'.repeat(5 - rounded)),
  );
}
