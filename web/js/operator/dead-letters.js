/**
 * Dead letters (`GET /admin/dead-letters`): events a consumer failed on every delivery,
 * oldest first, each with a Redrive button (`POST /admin/dead-letters/{id}/redrive`).
 */

import * as api from '../api.js';
import { h, fill, append, hiddenText } from '../dom.js';
import { announce } from '../announce.js';
import { timeElement } from '../time.js';

/** The dead letters section. */
export function deadLettersSection({ signal }) {
  const list = h('ul', { class: 'review-list' });
  const more = h('button', { type: 'button', class: 'button secondary', hidden: true }, 'More dead letters');
  let cursor = null;

  async function load(reset) {
    if (reset) cursor = null;
    try {
      const page = await api.get('/admin/dead-letters', { limit: 20, cursor }, { signal });
      if (reset) fill(list);
      append(
        list,
        page.items.map((letter) => letterItem(letter, () => load(true))),
      );
      if (reset && page.items.length === 0)
        append(list, h('li', { class: 'muted' }, 'No dead letters: every event was handled.'));
      cursor = page.nextCursor ?? null;
      more.hidden = !cursor;
    } catch (error) {
      if (error.name !== 'AbortError')
        fill(list, h('li', { class: 'flag bad' }, error.detail ?? error.message));
    }
  }
  more.addEventListener('click', () => load(false));
  load(true);
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'dead-letters-heading' },
    h('h2', { id: 'dead-letters-heading' }, 'Dead letters'),
    list,
    more,
    h(
      'button',
      { type: 'button', class: 'button secondary', onclick: () => load(true) },
      'Refresh',
      hiddenText(' dead letters'),
    ),
  );
}

function letterItem(letter, reload) {
  const status = h('p', { role: 'alert', class: 'flag bad', hidden: true });
  const kind = letter.event?.['detail-type'] ?? 'event';
  return h(
    'li',
    { class: 'review' },
    h('h3', {}, `${kind} → ${letter.consumer}`),
    h('p', { class: 'muted' }, `${letter.attempts} attempts · parked `, timeElement(letter.parkedAt)),
    letter.lastError ? h('p', {}, h('span', { class: 'mono' }, letter.lastError)) : null,
    h('details', {}, h('summary', {}, 'Event'), h('pre', {}, JSON.stringify(letter.event, null, 2))),
    status,
    h(
      'button',
      {
        type: 'button',
        class: 'button secondary',
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          try {
            await api.post(`/admin/dead-letters/${api.segment(letter.id)}/redrive`);
            announce(`Redriven: ${kind} to ${letter.consumer}.`);
            await reload();
          } catch (error) {
            status.textContent = error.detail ?? error.message;
            status.hidden = false;
            button.disabled = false;
          }
        },
      },
      'Redrive',
      hiddenText(` ${kind} to ${letter.consumer}`),
    ),
  );
}
