/**
 * How shoppers sign in, chosen by config.json's `signIn`:
 * - `development`: the local shop mints a token for any user name (development.js);
 * - `cognito`: the deployed shop's Cognito hosted UI, code flow with PKCE (cognito.js);
 * - `none`: this shop offers no sign-in page (none.js).
 * Each method is `{ form({ onSignedIn, next }) }`, answering the element the sign-in page
 * shows; a method that leaves the page to sign in also has `finishRedirect()`, and one
 * whose sign-in outlives the page's has `signedOut()`.
 */

import { currentConfig } from '../config.js';
import { announce } from '../announce.js';
import { mergeGuestCart } from '../cart.js';
import { signedIn } from '../session.js';
import { cognito } from './cognito.js';
import { development } from './development.js';
import { none } from './none.js';

const METHODS = { development, cognito, none };

/** The sign-in method this shop is configured with. */
export function signInMethod() {
  return METHODS[currentConfig().signIn] ?? none;
}

/** Whether shoppers can sign in on this shop at all. */
export function canSignIn() {
  return signInMethod() !== none;
}

/**
 * Keeps a sign-in `{token, user, admin, expiresAt}`, merges the guest cart into the
 * user's and says how that went.
 */
export async function afterSignIn(answer) {
  signedIn(answer);
  announce(await mergeMessage(answer.user));
}

/**
 * Finishes a sign-in that left the page (the hosted UI's return), if this load is one,
 * and puts the page the shopper signed in from in the address, for the router to show.
 */
export async function finishRedirectedSignIn() {
  const method = signInMethod();
  if (!method.finishRedirect) return;
  try {
    const finished = await method.finishRedirect();
    if (!finished) return;
    await afterSignIn(finished.answer);
    history.replaceState(null, '', `#${finished.next || '/'}`);
  } catch (error) {
    announce(error.message);
  }
}

/** Merges the guest cart and says how it went. */
async function mergeMessage(user) {
  try {
    const notMerged = await mergeGuestCart();
    return notMerged.length
      ? `Signed in as ${user}. Your cart was full: ${notMerged.join(', ')} could not be added.`
      : `Signed in as ${user}.`;
  } catch (error) {
    return `Signed in as ${user}, but the items you added as a guest could not be moved to your cart: ${error.detail}`;
  }
}
