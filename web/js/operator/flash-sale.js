/**
 * Starting a flash sale (`POST /admin/flash-sales`): a SKU, how many units, the sale
 * price, when it starts and how long it lasts; then a link to its page for shoppers.
 */

import * as api from '../api.js';
import { h, fill } from '../dom.js';
import { announce } from '../announce.js';
import { field, formAlert, input, showErrors, busy } from '../forms.js';
import { formatMoney, toMinor } from '../money.js';
import { formatDateTime } from '../time.js';

const MINUTE = 60_000;

/** The flash sale section. */
export function flashSaleSection({ signal }) {
  const result = h('div', { 'aria-live': 'polite' });
  const number = (name, value, extra = {}) =>
    input(name, { type: 'number', inputmode: 'numeric', min: '1', value, ...extra });
  const form = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        fill(result);
        const values = Object.fromEntries(new FormData(form));
        const sku = String(values.sku).trim().toUpperCase();
        const currency = String(values.currency).trim().toUpperCase() || 'USD';
        const startsAt = new Date(Date.now() + Number(values.startsIn) * MINUTE);
        const endsAt = new Date(startsAt.getTime() + Number(values.lasts) * MINUTE);
        const body = {
          sku,
          units: Number(values.units),
          salePrice: { amount: toMinor(values.salePrice, currency), currency },
          startsAt: startsAt.toISOString(),
          endsAt: endsAt.toISOString(),
          perCustomerLimit: Number(values.perCustomerLimit),
        };
        try {
          const sale = await busy(form, () => api.post('/admin/flash-sales', body, { signal }));
          announce(`Flash sale of ${sale.units} × ${sale.sku} created.`);
          fill(
            result,
            h(
              'p',
              { class: 'callout good' },
              `${sale.units} × ${sale.sku} at ${formatMoney(sale.salePrice)} from ${formatDateTime(sale.startsAt)}. `,
              h('a', { href: `#/sale/${encodeURIComponent(sale.saleId)}` }, 'Open the sale page'),
            ),
          );
        } catch (error) {
          showErrors(form, error, {
            'salePrice.amount': 'salePrice',
            'salePrice.currency': 'currency',
            startsAt: 'startsIn',
            endsAt: 'lasts',
          });
        }
      },
    },
    formAlert(),
    h(
      'div',
      { class: 'field-row' },
      field('SKU', input('sku', { value: 'MB-0002-WHT', spellcheck: 'false', maxlength: '64' })),
      field('Units', number('units', '5')),
      field('Sale price', input('salePrice', { inputmode: 'decimal', value: '99.00' }), {
        hint: 'In the currency below, e.g. 99.00',
      }),
      field('Currency', input('currency', { value: 'USD', maxlength: '3' })),
      field('Starts in (minutes)', number('startsIn', '1', { min: '0' })),
      field('Lasts (minutes)', number('lasts', '60')),
      field('Per shopper', number('perCustomerLimit', '1')),
    ),
    h('button', { type: 'submit', class: 'button' }, 'Create flash sale'),
  );
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'flash-sale-heading' },
    h('h2', { id: 'flash-sale-heading' }, 'Flash sale'),
    form,
    result,
  );
}
