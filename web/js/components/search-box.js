/**
 * The header's search box: a combobox (WAI-ARIA 1.2, list autocomplete) whose listbox
 * offers completions from `GET /search/suggest` as the shopper types. Arrow keys move
 * through them, Enter takes one (or searches the words typed), Escape closes the list.
 */

import * as api from '../api.js';
import { h, fill, hiddenText, uniqueId } from '../dom.js';
import { navigate } from '../router.js';

const DEBOUNCE_MS = 150;
const KIND_LABELS = { product: 'Product', brand: 'Brand', category: 'Category' };

/** The search form. */
export function searchBox() {
  const listId = uniqueId('suggestions');
  const inputElement = h('input', {
    type: 'search',
    name: 'q',
    id: uniqueId('search'),
    role: 'combobox',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    autocomplete: 'off',
    spellcheck: 'false',
    maxlength: '200',
    placeholder: 'Search products',
  });
  const list = h('ul', {
    id: listId,
    role: 'listbox',
    'aria-label': 'Suggestions',
    class: 'suggestions',
    hidden: true,
  });
  const spoken = h('div', { class: 'visually-hidden', 'aria-live': 'polite' });

  let suggestions = [];
  let active = -1;
  let timer = 0;
  let pending = null;

  const optionId = (index) => `${listId}-${index}`;

  function open(items) {
    suggestions = items;
    active = -1;
    fill(
      list,
      items.map((item, index) =>
        h(
          'li',
          {
            id: optionId(index),
            role: 'option',
            'aria-selected': 'false',
            onmousedown: (event) => event.preventDefault(),
            onclick: () => choose(index),
          },
          h('span', { class: 'suggestion-text' }, item.text),
          item.kind === 'product'
            ? null
            : h('span', { class: 'suggestion-kind' }, KIND_LABELS[item.kind] ?? item.kind),
        ),
      ),
    );
    const shown = items.length > 0;
    list.hidden = !shown;
    inputElement.setAttribute('aria-expanded', String(shown));
    inputElement.removeAttribute('aria-activedescendant');
    spoken.textContent = shown
      ? `${items.length} suggestion${items.length === 1 ? '' : 's'}; use the up and down arrows to choose.`
      : '';
  }

  function close() {
    window.clearTimeout(timer);
    pending?.abort();
    list.hidden = true;
    active = -1;
    inputElement.setAttribute('aria-expanded', 'false');
    inputElement.removeAttribute('aria-activedescendant');
  }

  function highlight(index) {
    active = index;
    list.querySelectorAll('[role=option]').forEach((option, at) => {
      option.setAttribute('aria-selected', String(at === index));
    });
    if (index >= 0) {
      inputElement.setAttribute('aria-activedescendant', optionId(index));
      document.getElementById(optionId(index))?.scrollIntoView({ block: 'nearest' });
    } else {
      inputElement.removeAttribute('aria-activedescendant');
    }
  }

  function choose(index) {
    const item = suggestions[index];
    close();
    if (!item) return;
    inputElement.value = item.kind === 'product' ? '' : item.text;
    if (item.kind === 'product' && item.id) navigate(`/product/${encodeURIComponent(item.id)}`);
    else if (item.kind === 'category' && item.id) navigate(`/category/${encodeURIComponent(item.id)}`);
    else if (item.kind === 'brand') navigate(`/?${new URLSearchParams({ brand: item.text })}`);
    else search(item.text);
  }

  function search(words) {
    close();
    const q = words.trim();
    if (q) navigate(`/search?${new URLSearchParams({ q })}`);
  }

  async function suggest() {
    const q = inputElement.value.trim();
    pending?.abort();
    if (!q) {
      close();
      return;
    }
    const controller = new AbortController();
    pending = controller;
    try {
      const answer = await api.get('/search/suggest', { q }, { signal: controller.signal });
      if (pending === controller && document.activeElement === inputElement) open(answer.suggestions ?? []);
    } catch (error) {
      if (error.name !== 'AbortError') close();
    }
  }

  inputElement.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, DEBOUNCE_MS);
  });

  inputElement.addEventListener('keydown', (event) => {
    const expanded = !list.hidden;
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        if (!expanded) suggest();
        else highlight((active + 1) % suggestions.length);
        break;
      case 'ArrowUp':
        event.preventDefault();
        if (expanded) highlight(active <= 0 ? suggestions.length - 1 : active - 1);
        break;
      case 'Enter':
        if (expanded && active >= 0) {
          event.preventDefault();
          choose(active);
        }
        break;
      case 'Escape':
        if (expanded) {
          event.preventDefault();
          close();
        } else if (inputElement.value) {
          event.preventDefault();
          inputElement.value = '';
        }
        break;
      case 'Tab':
        close();
        break;
      default:
    }
  });

  inputElement.addEventListener('blur', close);

  const form = h(
    'form',
    {
      class: 'search',
      role: 'search',
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        search(inputElement.value);
      },
    },
    h('label', { for: inputElement.id, class: 'visually-hidden' }, 'Search products'),
    h('div', { class: 'search-field' }, inputElement, list),
    h('button', { type: 'submit', class: 'search-button' }, hiddenText('Search'), searchIcon()),
    spoken,
  );

  /** Shows the words of the search in view (or nothing) in the box. */
  form.showWords = (words) => {
    if (document.activeElement !== inputElement) inputElement.value = words ?? '';
  };
  return form;
}

function searchIcon() {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute(
    'd',
    'M10.5 3a7.5 7.5 0 0 1 5.96 12.05l4.74 4.74-1.41 1.41-4.74-4.74A7.5 7.5 0 1 1 10.5 3Zm0 2a5.5 5.5 0 1 0 0 11 5.5 5.5 0 0 0 0-11Z',
  );
  svg.append(path);
  return svg;
}
