/**
 * The catalog: all products (`#/`), a category (`#/category/<id>`) or a search
 * (`#/search?q=`). Browsing reads `GET /products`, words read `GET /search`; both take
 * the same filters, shown as facet toggles with counts, a sort, and a cursor for the
 * next page. Every choice is in the address, so Back undoes it.
 */

import * as api from '../api.js';
import { breadcrumb } from '../components/breadcrumb.js';
import { h, hiddenText } from '../dom.js';
import { categoryPath } from '../categories.js';
import { formatMinorShort } from '../money.js';
import { navigate } from '../router.js';
import { productCard } from '../components/product-card.js';
import { select } from '../forms.js';

/** The filters a listing reads from the address, in the API's names. */
const FILTERS = ['q', 'brand', 'minPrice', 'maxPrice', 'minRating', 'inStock', 'sort', 'cursor'];
const PAGE_SIZE = 24;

const SORTS = [
  ['relevance', 'Best match'],
  ['name', 'Name, A to Z'],
  ['-name', 'Name, Z to A'],
  ['price', 'Price, low to high'],
  ['-price', 'Price, high to low'],
  ['newest', 'Newest first'],
  ['rating', 'Best rated'],
];

/** Renders the listing the address asks for. */
export async function render({ params, query, path, signal }) {
  const pathname = path.split('?')[0];
  const filters = {};
  for (const name of FILTERS) {
    if (query.get(name)) filters[name] = query.get(name);
  }
  const category = params.id ?? null;
  const words = filters.q ?? '';
  const [page, trail] = await Promise.all([
    api.get(words ? '/search' : '/products', { ...filters, category, limit: PAGE_SIZE }, { signal }),
    category ? categoryPath(category) : [],
  ]);
  if (category && trail.length === 0) {
    throw Object.assign(new Error('no such category'), {
      status: 404,
      detail: `There is no category "${category}".`,
    });
  }

  /** The address of this listing with some filters changed (a change starts at page one). */
  const changed = (changes) => {
    const next = { ...filters, ...changes, cursor: changes.cursor ?? null };
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(next)) {
      if (value !== null && value !== undefined && value !== '') search.set(name, value);
    }
    const text = search.toString();
    return `${pathname}${text ? `?${text}` : ''}`;
  };

  const currency = page.items[0]?.price.currency ?? rememberedCurrency;
  rememberedCurrency = currency;
  const here = trail.at(-1);
  const title = words ? `Results for “${words}”` : (here?.name ?? 'All products');

  return h(
    'div',
    { class: 'catalog' },
    trail.length ? breadcrumb(trail, { lastIsPage: true }) : null,
    h('h1', {}, title),
    here?.children?.length ? subcategories(here.children) : null,
    h(
      'div',
      { class: 'catalog-layout' },
      facets(page.facets, filters, changed, currency),
      h(
        'section',
        { class: 'results', 'aria-labelledby': 'results-heading' },
        h(
          'div',
          { class: 'results-bar' },
          h('h2', { id: 'results-heading', class: 'results-count' }, resultCount(page.total, filters.cursor)),
          sortControl(filters.sort ?? (words ? 'relevance' : 'name'), words, changed),
        ),
        page.didYouMean ? didYouMean(page.didYouMean, changed) : null,
        page.items.length
          ? h('ul', { class: 'product-grid' }, page.items.map(productCard))
          : emptyState(filters, changed),
        pager(page.nextCursor, filters.cursor, changed),
      ),
    ),
  );
}

/** The currency of the last results seen, for price ranges of an empty page. */
let rememberedCurrency = 'USD';

/** Whether the shopper opened or closed the filters, kept while they refine. */
let filtersOpen = null;

function subcategories(children) {
  return h(
    'nav',
    { class: 'subcategory-links', 'aria-label': 'Subcategories' },
    h(
      'ul',
      {},
      children.map((child) =>
        h(
          'li',
          {},
          h('a', { href: `#/category/${encodeURIComponent(child.id)}`, class: 'chip' }, child.name),
        ),
      ),
    ),
  );
}

function resultCount(total, cursor) {
  const products = `${total} product${total === 1 ? '' : 's'}`;
  return cursor ? `${products}, a later page` : products;
}

function sortControl(current, words, changed) {
  const options = SORTS.filter(([value]) => words || value !== 'relevance');
  const control = select('sort', options, current, {
    id: 'sort',
    onchange: (event) => navigate(changed({ sort: event.target.value }), { keepFocus: true }),
  });
  return h('div', { class: 'sort' }, h('label', { for: 'sort' }, 'Sort by'), control);
}

/** The facet groups: brand, price, rating and stock, each value a toggle. */
function facets(counts, filters, changed, currency) {
  const toggle = (label, count, pressed, changes) =>
    h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          id: `facet-${label.replace(/[^A-Za-z0-9]+/g, '-')}`,
          class: 'facet-toggle',
          'aria-pressed': String(pressed),
          onclick: () => navigate(changed(changes), { keepFocus: true }),
        },
        h('span', { class: 'facet-label' }, label),
        count === null
          ? null
          : h('span', { class: 'facet-count' }, hiddenText(' ('), String(count), hiddenText(')')),
      ),
    );

  const brands = counts.brands
    .filter((facet) => facet.count > 0 || facet.brand === filters.brand)
    .map((facet) => {
      const pressed = facet.brand === filters.brand;
      return toggle(facet.brand, facet.count, pressed, { brand: pressed ? null : facet.brand });
    });

  const prices = counts.priceRanges
    .filter((range) => range.count > 0 || isChosenRange(range, filters))
    .map((range) => {
      const pressed = isChosenRange(range, filters);
      const changes = pressed
        ? { minPrice: null, maxPrice: null }
        : { minPrice: range.min || null, maxPrice: range.max ? range.max - 1 : null };
      return toggle(priceRangeLabel(range, currency), range.count, pressed, changes);
    });

  const ratings = counts.ratings
    .filter((facet) => facet.count > 0 || String(facet.minRating) === filters.minRating)
    .map((facet) => {
      const pressed = String(facet.minRating) === filters.minRating;
      const label = `${facet.minRating} stars & up`;
      return toggle(label, facet.count, pressed, { minRating: pressed ? null : facet.minRating });
    });

  const inStock = filters.inStock === 'true';
  const anyFilter = ['brand', 'minPrice', 'maxPrice', 'minRating', 'inStock'].some((name) => filters[name]);

  const group = (title, items, empty) =>
    h(
      'section',
      { class: 'facet-group' },
      h('h2', {}, title),
      items.length ? h('ul', {}, items) : h('p', { class: 'facet-empty' }, empty),
    );

  return h(
    'details',
    {
      class: 'filters',
      open: filtersOpen ?? window.matchMedia('(min-width: 60em)').matches,
      ontoggle: (event) => {
        filtersOpen = event.target.open;
      },
    },
    h('summary', {}, 'Filters'),
    anyFilter
      ? h(
          'p',
          {},
          h(
            'a',
            {
              href: `#${changed({ brand: null, minPrice: null, maxPrice: null, minRating: null, inStock: null })}`,
            },
            'Clear all filters',
          ),
        )
      : null,
    group('Availability', [
      toggle('In stock only', counts.inStock, inStock, { inStock: inStock ? null : 'true' }),
    ]),
    group('Brand', brands, 'No brands here.'),
    group('Price', prices, 'No prices here.'),
    group('Rating', ratings, 'No rated products here yet.'),
  );
}

function isChosenRange(range, filters) {
  const min = Number(filters.minPrice ?? 0);
  const max = filters.maxPrice === undefined ? null : Number(filters.maxPrice);
  if (filters.minPrice === undefined && filters.maxPrice === undefined) return false;
  return min === range.min && max === (range.max ? range.max - 1 : null);
}

function priceRangeLabel(range, currency) {
  const money = (amount) => formatMinorShort(amount, currency);
  if (!range.max) return `${money(range.min)} and up`;
  if (range.min === 0) return `Under ${money(range.max)}`;
  return `${money(range.min)} to ${money(range.max)}`;
}

function didYouMean(suggestion, changed) {
  return h(
    'p',
    { class: 'did-you-mean' },
    'Did you mean ',
    h('a', { href: `#${changed({ q: suggestion })}` }, suggestion),
    '?',
  );
}

function emptyState(filters, changed) {
  const anyFilter = ['brand', 'minPrice', 'maxPrice', 'minRating', 'inStock'].some((name) => filters[name]);
  return h(
    'div',
    { class: 'empty-state' },
    h('h3', {}, 'No products found'),
    h(
      'p',
      {},
      anyFilter
        ? 'Nothing matches all of these filters. '
        : filters.q
          ? 'Nothing matches these words. Check the spelling or try fewer words. '
          : 'There is nothing here yet. ',
      anyFilter
        ? h(
            'a',
            {
              href: `#${changed({ brand: null, minPrice: null, maxPrice: null, minRating: null, inStock: null })}`,
            },
            'Clear the filters',
          )
        : h('a', { href: '#/' }, 'See all products'),
    ),
  );
}

function pager(nextCursor, cursor, changed) {
  if (!nextCursor && !cursor) return null;
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    cursor ? h('a', { href: `#${changed({})}`, class: 'button secondary' }, 'First page') : null,
    nextCursor ? h('a', { href: `#${changed({ cursor: nextCursor })}`, class: 'button' }, 'Next page') : null,
  );
}
