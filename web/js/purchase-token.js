/**
 * A flash sale's purchase token between the sale page, which receives it once the
 * shopper is admitted, and checkout, which sends it with the order. Kept for this tab
 * only (sessionStorage) and only until it expires.
 */

const KEY = 'mambogo.purchaseToken';

/** Keeps `{saleId, sku, token, expiresAt, salePrice}` for checkout. */
export function keepPurchaseToken(pass) {
  sessionStorage.setItem(KEY, JSON.stringify(pass));
}

/** The kept token, unless it has expired. */
export function purchaseToken() {
  try {
    const pass = JSON.parse(sessionStorage.getItem(KEY));
    if (!pass?.token) return null;
    if (pass.expiresAt && Date.parse(pass.expiresAt) <= Date.now()) {
      forgetPurchaseToken();
      return null;
    }
    return pass;
  } catch {
    return null;
  }
}

/** Forgets the token (once used, or when the shopper drops it). */
export function forgetPurchaseToken() {
  sessionStorage.removeItem(KEY);
}
