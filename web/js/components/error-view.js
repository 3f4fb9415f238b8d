/** What a page shows instead of itself when it cannot be shown: not found, sign in, or try again. */

import { h } from '../dom.js';
import { currentPath } from '../router.js';

/** The view for `error` (an ApiError or any Error); `retry` re-renders the page. */
export function errorView(error, retry) {
  if (error.status === 404) {
    return h(
      'section',
      { class: 'notice' },
      h('h1', {}, 'Not found'),
      h('p', {}, error.detail || 'There is nothing here.'),
      h('p', {}, h('a', { href: '#/' }, 'Back to the shop')),
    );
  }
  if (error.status === 401) {
    return h(
      'section',
      { class: 'notice' },
      h('h1', {}, 'Please sign in'),
      h('p', {}, 'Your sign-in has ended or is needed for this page.'),
      h('p', {}, h('a', { href: signInHref() }, 'Sign in')),
    );
  }
  if (error.status === 403) {
    return h(
      'section',
      { class: 'notice' },
      h('h1', {}, 'Not allowed'),
      h('p', {}, error.detail || 'This page is not for your account.'),
    );
  }
  return h(
    'section',
    { class: 'notice' },
    h('h1', {}, 'Something went wrong'),
    h('p', {}, error.detail || error.message || 'The shop did not answer as expected.'),
    retry ? h('p', {}, h('button', { type: 'button', class: 'button', onclick: retry }, 'Try again')) : null,
  );
}

/** The sign-in page's address, coming back here afterwards. */
export function signInHref(next = currentPath()) {
  return `#/sign-in?${new URLSearchParams({ next })}`;
}
