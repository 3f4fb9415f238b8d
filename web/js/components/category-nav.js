/**
 * The header's category navigation: the tree from `GET /categories` as nested lists of
 * links. Wide screens show the roots in a row with their subcategories dropping down on
 * hover or keyboard focus; narrow ones fold it behind a "Categories" button.
 */

import { h, fill, uniqueId } from '../dom.js';
import { loadCategories } from '../categories.js';

/** The navigation element; it fills itself once the tree arrives. */
export function categoryNav() {
  const listId = uniqueId('categories');
  const list = h('ul', { id: listId, class: 'category-list' });
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'category-toggle',
      'aria-expanded': 'false',
      'aria-controls': listId,
      onclick: () => setOpen(toggle.getAttribute('aria-expanded') !== 'true'),
    },
    'Categories',
  );
  const nav = h('nav', { class: 'category-nav', 'aria-label': 'Categories' }, toggle, list);

  function setOpen(open) {
    toggle.setAttribute('aria-expanded', String(open));
    nav.classList.toggle('is-open', open);
  }

  // Choosing a category closes the folded menu.
  list.addEventListener('click', (event) => {
    if (event.target.closest('a')) setOpen(false);
  });
  nav.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && nav.classList.contains('is-open')) {
      setOpen(false);
      toggle.focus();
    }
  });

  loadCategories().then(
    (roots) => fill(list, h('li', {}, h('a', { href: '#/' }, 'All products')), roots.map(branch)),
    () => fill(list, h('li', {}, h('a', { href: '#/' }, 'All products'))),
  );
  return nav;
}

function branch(node) {
  const children = node.children ?? [];
  return h(
    'li',
    { class: children.length ? 'has-children' : null },
    h('a', { href: `#/category/${encodeURIComponent(node.id)}` }, node.name),
    children.length ? h('ul', { class: 'subcategories' }, children.map(branch)) : null,
  );
}
