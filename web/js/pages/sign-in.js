/**
 * Sign in (`#/sign-in?next=<page path>`): the configured method's form; once signed in,
 * the guest cart is merged into the user's and the shopper goes back to `next`.
 */

import { h } from '../dom.js';
import { afterSignIn, signInMethod } from '../sign-in/index.js';
import { currentUser } from '../session.js';
import { navigate } from '../router.js';

/** Renders the sign-in page. */
export async function render({ query }) {
  const next = safeNext(query.get('next'));
  const user = currentUser();
  return h(
    'div',
    { class: 'sign-in' },
    h('h1', {}, 'Sign in'),
    user
      ? h(
          'p',
          { class: 'callout good' },
          `You are signed in as ${user.user}. Signing in again switches user.`,
        )
      : null,
    next === '/checkout' ? h('p', {}, 'Sign in to check out. Your cart comes with you.') : null,
    signInMethod().form({
      onSignedIn: async (answer) => {
        await afterSignIn(answer);
        navigate(next);
      },
      next,
    }),
  );
}

/** Only page paths of this storefront: `/checkout`, never another site. */
function safeNext(next) {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/';
}
