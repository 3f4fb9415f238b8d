/**
 * The operator's page (`#/operator`, admins only): stock, the order queues with their
 * next step, returns to approve, the sweeper's reconciliation reports, dead letters to
 * redrive, and starting a flash sale. Each section lives in operator/.
 */

import { h } from '../dom.js';
import { currentUser } from '../session.js';
import { signInHref } from '../components/error-view.js';
import { stockSection } from '../operator/stock.js';
import { orderQueueSection } from '../operator/order-queue.js';
import { reconciliationSection } from '../operator/reconciliation.js';
import { deadLettersSection } from '../operator/dead-letters.js';
import { flashSaleSection } from '../operator/flash-sale.js';

/** Renders the operator's page, or asks for an operator's sign-in. */
export async function render({ signal }) {
  const user = currentUser();
  if (!user?.admin) {
    return h(
      'section',
      { class: 'notice' },
      h('h1', {}, 'Operator'),
      h('p', {}, user ? `${user.user} is not an operator.` : 'This page is for the shop’s operators.'),
      h('p', {}, h('a', { href: signInHref('/operator'), class: 'button' }, 'Sign in as an operator')),
    );
  }
  return h(
    'div',
    { class: 'operator' },
    h('h1', {}, 'Operator'),
    h(
      'div',
      { class: 'operator-grid' },
      orderQueueSection({ signal, title: 'Orders', status: 'CONFIRMED', choose: true, wide: true }),
      orderQueueSection({ signal, title: 'Returns to approve', status: 'RETURN_REQUESTED', wide: true }),
      stockSection({ signal }),
      flashSaleSection({ signal }),
      reconciliationSection({ signal }),
      deadLettersSection({ signal }),
    ),
  );
}
