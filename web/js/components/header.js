/**
 * The header on every page: the shop's name (home), the search box, the account links
 * (sign in, or the signed-in user with My orders and Sign out), the cart with its item
 * count, and the category navigation. It follows the session and the cart as they change.
 */

import { h, fill, hiddenText } from '../dom.js';
import { currentUser, onSessionChange, signOut } from '../session.js';
import { cartItemCount, forgetCart, loadCart, onCartChange } from '../cart.js';
import { currentPath, navigate } from '../router.js';
import { signInHref } from './error-view.js';
import { searchBox } from './search-box.js';
import { categoryNav } from './category-nav.js';
import { foldingNav } from './folding-nav.js';
import { announce } from '../announce.js';
import { canSignIn, signInMethod } from '../sign-in/index.js';

/** Fills `header` and keeps it current. */
export function renderHeader(header) {
  const search = searchBox();
  const account = h('ul', { class: 'account-links', id: 'account-links' });
  // On narrow screens a signed-in shopper's links fold behind an "Account" button.
  const accountNav = foldingNav({
    label: 'Account',
    navClass: 'account',
    toggleClass: 'account-toggle',
    buttonText: 'Account',
    list: account,
  });
  const count = h('span', { class: 'cart-count', 'data-testid': 'cart-count' }, '0');
  const cartLink = h('a', { href: '#/cart', class: 'cart-link' }, 'Cart', ' ', count, hiddenText(' items'));

  fill(
    header,
    h(
      'div',
      { class: 'header-bar' },
      h('a', { href: '#/', class: 'brand' }, 'Mambogo'),
      search,
      accountNav,
      cartLink,
    ),
    categoryNav(),
  );

  function showAccount() {
    const user = currentUser();
    accountNav.classList.toggle('has-menu', Boolean(user));
    if (!user) {
      fill(account, canSignIn() ? h('li', {}, h('a', { href: signInHref(afterSignIn()) }, 'Sign in')) : null);
      return;
    }
    fill(
      account,
      h(
        'li',
        { class: 'signed-in-as' },
        hiddenText('Signed in as '),
        h('span', { class: 'user-name' }, user.user),
      ),
      h('li', {}, h('a', { href: '#/orders' }, 'My orders')),
      user.admin ? h('li', {}, h('a', { href: '#/operator' }, 'Operator')) : null,
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'link-button',
            onclick: () => {
              signOut();
              forgetCart();
              announce('You are signed out.');
              navigate('/');
              signInMethod().signedOut?.();
            },
          },
          'Sign out',
        ),
      ),
    );
  }

  function showCount() {
    count.textContent = String(cartItemCount());
  }

  // The sign-in link brings the shopper back to where they were; keep it current.
  function afterSignIn() {
    const path = currentPath();
    return path.startsWith('/sign-in') ? '/' : path;
  }

  onSessionChange(showAccount);
  onCartChange(showCount);
  document.addEventListener('page-rendered', () => {
    // Another tab, or the shop clearing the cart after an order, may have changed it.
    loadCart().catch(() => {});
    showAccount();
    search.showWords(new URLSearchParams(currentPath().split('?')[1] ?? '').get('q'));
  });
  showAccount();
  showCount();
}
