/**
 * The shopper's cart as the rest of the page sees it: the API calls on `/cart` and the
 * item count the header shows, refreshed after each change. A guest's cart id travels
 * in X-Cart-Id (see api.js); on sign-in the guest cart is merged into the user's.
 */

import * as api from './api.js';
import { currentUser, guestCartId, setGuestCartId } from './session.js';

const changes = new EventTarget();
let itemCount = 0;

function remember(cart) {
  itemCount = cart?.itemCount ?? 0;
  changes.dispatchEvent(new Event('change'));
  return cart;
}

/** How many items the cart holds, as last seen. */
export function cartItemCount() {
  return itemCount;
}

/** Calls `listener` whenever the item count may have changed. */
export function onCartChange(listener) {
  changes.addEventListener('change', listener);
}

/** The cart now, or an empty stand-in for a guest who has none yet. */
export async function loadCart(options) {
  if (!currentUser() && !guestCartId()) return remember(emptyCart());
  try {
    return remember(await api.get('/cart', undefined, options));
  } catch (error) {
    // A guest cart that expired or was merged elsewhere is gone: start afresh.
    if (!currentUser() && (error.status === 404 || error.status === 403)) {
      setGuestCartId(null);
      return remember(emptyCart());
    }
    throw error;
  }
}

function emptyCart() {
  return { owner: 'guest', lines: [], itemCount: 0, subtotal: null, needsAttention: false };
}

/** Adds `quantity` of `sku` (the API creates a guest cart when there is none). */
export async function addToCart(sku, quantity) {
  return remember(await api.post('/cart/items', { sku, quantity }));
}

/** Sets a line's quantity. */
export async function setQuantity(itemId, quantity) {
  return remember(await api.put(`/cart/items/${api.segment(itemId)}`, { quantity }));
}

/** Removes a line. */
export async function removeLine(itemId) {
  return remember(await api.del(`/cart/items/${api.segment(itemId)}`));
}

/**
 * Right after sign-in: folds the guest cart into the user's and forgets the guest cart.
 * Answers the SKUs the user's full cart could not take (usually none).
 */
export async function mergeGuestCart() {
  const guestCart = guestCartId();
  if (!guestCart) {
    await loadCart();
    return [];
  }
  try {
    const merged = await api.post('/cart/merge', undefined, {
      headers: { 'X-Cart-Id': guestCart },
    });
    remember(merged);
    return merged.skusNotMerged ?? [];
  } catch (error) {
    // A guest cart that no longer exists has nothing to merge.
    if (error.status !== 404) throw error;
    await loadCart();
    return [];
  } finally {
    setGuestCartId(null);
  }
}

/** After sign-out: the cart in view is the guest's again (none yet). */
export function forgetCart() {
  remember(emptyCart());
}
