/** An order's status as a badge: words for people, the API's status for tests and styles. */

import { h } from '../dom.js';

const LABELS = {
  PENDING: 'Pending payment',
  CONFIRMED: 'Confirmed',
  PROCESSING: 'Being packed',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  RETURN_REQUESTED: 'Return requested',
  RETURNED: 'Returned',
  REFUNDED: 'Refunded',
};

const TONES = {
  PENDING: 'wait',
  CONFIRMED: 'good',
  PROCESSING: 'info',
  SHIPPED: 'info',
  DELIVERED: 'good',
  FAILED: 'bad',
  CANCELLED: 'bad',
  RETURN_REQUESTED: 'wait',
  RETURNED: 'info',
  REFUNDED: 'info',
};

/** The words for a status. */
export function statusLabel(status) {
  return LABELS[status] ?? status;
}

/** A badge for `status`; `attributes` may add a data-testid. */
export function statusBadge(status, attributes = {}) {
  return h(
    'span',
    { class: `status-badge tone-${TONES[status] ?? 'info'}`, 'data-status': status, ...attributes },
    statusLabel(status),
  );
}
