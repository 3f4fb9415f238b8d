/**
 * The header's category navigation: the tree from `GET /categories` as nested lists of
 * links. Wide screens show the roots in a row with their subcategories dropping down on
 * hover or keyboard focus; narrow ones fold it behind a "Categories" button.
 */

import { h, fill, uniqueId } from '../dom.js';
import { loadCategories } from '../categories.js';
import { foldingNav } from './folding-nav.js';

/** The navigation element; it fills itself once the tree arrives. */
export function categoryNav() {
  const listId = uniqueId('categories');
  const list = h('ul', { id: listId, class: 'category-list' });
  const nav = foldingNav({
    label: 'Categories',
    navClass: 'category-nav',
    toggleClass: 'category-toggle',
    buttonText: 'Categories',
    list,
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
