/** A price as shoppers read it: the price now, and when on sale the regular price struck through. */

import { h, hiddenText } from '../dom.js';
import { formatMoney } from '../money.js';

/** `price` now; `regular` is shown struck through when it is higher. */
export function priceView(price, regular) {
  const onSale = regular && regular.amount > price.amount;
  if (!onSale) return h('span', { class: 'price' }, formatMoney(price));
  return h(
    'span',
    { class: 'price on-sale' },
    h('span', { class: 'price-now' }, hiddenText('Sale price '), formatMoney(price)),
    ' ',
    h('s', { class: 'price-was' }, hiddenText('regular price '), formatMoney(regular)),
  );
}
