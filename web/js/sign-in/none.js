/** No sign-in: a shop configured without one says so instead of showing a form. */

import { h } from '../dom.js';

export const none = {
  form() {
    return h(
      'div',
      { class: 'notice' },
      h('p', {}, 'Signing in is not available on this shop.'),
      h('p', {}, h('a', { href: '#/' }, 'Back to the shop')),
    );
  },
};
