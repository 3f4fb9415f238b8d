/**
 * The category tree (`GET /categories`), read once per page load: for the header's
 * navigation and for naming a category and its parents on catalog and product pages.
 */

import * as api from './api.js';

let tree = null;

/** The root categories, each with its `children`. */
export async function loadCategories() {
  tree ??= api.get('/categories').then(
    (answer) => answer.categories,
    (error) => {
      tree = null;
      throw error;
    },
  );
  return tree;
}

/** The categories from the root down to `id` (empty when unknown). */
export async function categoryPath(id) {
  const walk = (nodes, trail) => {
    for (const node of nodes) {
      const here = [...trail, node];
      if (node.id === id) return here;
      const below = walk(node.children ?? [], here);
      if (below) return below;
    }
    return null;
  };
  return walk(await loadCategories(), []) ?? [];
}
