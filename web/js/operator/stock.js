/** The operator's stock form: set a SKU's units on hand (`PUT /admin/inventory/{sku}`). */

import * as api from '../api.js';
import { h, fill } from '../dom.js';
import { announce } from '../announce.js';
import { field, formAlert, input, showErrors, busy } from '../forms.js';

/** The stock section. */
export function stockSection({ signal }) {
  const result = h('div', { 'aria-live': 'polite' });
  const sku = input('sku', {
    autocapitalize: 'characters',
    spellcheck: 'false',
    maxlength: '64',
    placeholder: 'MB-0002-BLK',
  });
  const onHand = input('onHand', { type: 'number', inputmode: 'numeric', min: '0' });
  const form = h(
    'form',
    {
      class: 'inline-form',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        fill(result);
        const code = sku.value.trim().toUpperCase();
        try {
          const level = await busy(form, () =>
            api.put(`/admin/inventory/${api.segment(code)}`, { onHand: Number(onHand.value) }, { signal }),
          );
          announce(`${level.sku}: ${level.onHand} on hand.`);
          fill(result, stockLevel(level));
        } catch (error) {
          // An unknown SKU answers 404 without a field: it belongs beside the SKU.
          showErrors(
            form,
            error.status === 404 ? { errors: [{ field: 'sku', message: error.detail }] } : error,
          );
        }
      },
    },
    formAlert(),
    field('SKU', sku),
    field('Units on hand', onHand),
    h('button', { type: 'submit', class: 'button' }, 'Set stock'),
  );
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'stock-heading' },
    h('h2', { id: 'stock-heading' }, 'Stock'),
    h('p', { class: 'muted' }, 'Units reserved for orders being paid stay reserved.'),
    form,
    result,
  );
}

function stockLevel(level) {
  return h(
    'dl',
    { class: 'totals stock-level' },
    h('dt', {}, 'SKU'),
    h('dd', { class: 'mono' }, level.sku),
    [
      ['On hand', level.onHand],
      ['Reserved', level.reserved],
      ['Available', level.available],
      ['Sold', level.sold],
      ['Received', level.received],
    ].map(([label, value]) => [h('dt', {}, label), h('dd', {}, String(value))]),
  );
}
