/**
 * An order's or a quote's totals as a list: subtotal, the coupon's discount when there
 * is one (named by `couponCode`), shipping ("Free" at zero), tax and the total.
 */

import { h } from '../dom.js';
import { formatMoney } from '../money.js';

export function totalsList(totals, { couponCode = null, testId = null } = {}) {
  return h(
    'dl',
    { class: 'totals', ...(testId ? { 'data-testid': testId } : {}) },
    h('dt', {}, 'Subtotal'),
    h('dd', {}, formatMoney(totals.subtotal)),
    totals.discount
      ? [
          h('dt', {}, couponCode ? `Discount (${couponCode})` : 'Discount'),
          h('dd', {}, `−${formatMoney(totals.discount)}`),
        ]
      : null,
    h('dt', {}, 'Shipping'),
    h('dd', {}, totals.shipping.amount === 0 ? 'Free' : formatMoney(totals.shipping)),
    h('dt', {}, 'Tax'),
    h('dd', {}, formatMoney(totals.tax)),
    h('dt', { class: 'grand' }, 'Total'),
    h('dd', { class: 'grand' }, formatMoney(totals.total)),
  );
}
