/**
 * The sweeper's latest reports that found something to do (`GET /admin/reconciliation`):
 * reservations released, orphaned orders failed, payments refunded or voided, errors.
 */

import * as api from '../api.js';
import { h, fill, hiddenText } from '../dom.js';
import { timeElement, formatPrecise } from '../time.js';

/** The reconciliation section. */
export function reconciliationSection({ signal }) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));

  async function load() {
    try {
      const { reports } = await api.get('/admin/reconciliation', { limit: 20 }, { signal });
      fill(
        body,
        reports.length
          ? reportTable(reports)
          : h('p', { class: 'muted' }, 'The sweeper has found nothing to fix so far. It runs every minute.'),
      );
    } catch (error) {
      if (error.name !== 'AbortError')
        fill(body, h('p', { class: 'flag bad' }, error.detail ?? error.message));
    }
  }
  load();
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'reconciliation-heading' },
    h('h2', { id: 'reconciliation-heading' }, 'Reconciliation'),
    body,
    h(
      'button',
      { type: 'button', class: 'button secondary', onclick: load },
      'Refresh',
      hiddenText(' reconciliation'),
    ),
  );
}

function reportTable(reports) {
  const ids = (list = []) =>
    list.length
      ? list.map((id) =>
          h(
            'div',
            {},
            h(
              'a',
              { href: `#/orders/${encodeURIComponent(id)}`, class: 'mono' },
              id.slice(0, 8).toUpperCase(),
            ),
          ),
        )
      : '—';
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Ran at', 'Released', 'Failed', 'Refunded', 'Voided', 'Errors'].map((title) =>
            h('th', { scope: 'col' }, title),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        reports.map((report) =>
          h(
            'tr',
            {},
            h('td', {}, timeElement(report.ranAt, formatPrecise)),
            h('td', {}, ids(report.releasedReservations)),
            h('td', {}, ids(report.failedOrders)),
            h('td', {}, ids(report.refundedPayments)),
            h('td', {}, ids(report.voidedPayments)),
            h('td', {}, report.errors.length ? report.errors.map((text) => h('div', {}, text)) : '—'),
          ),
        ),
      ),
    ),
  );
}
