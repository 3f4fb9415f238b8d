/**
 * Who is shopping, kept in localStorage so that it survives a reload: the signed-in
 * user (token, name, admin, expiry) or, for a guest, the id of their cart. Listeners
 * hear every change (`onSessionChange`), so the header follows sign-in and sign-out.
 */

const USER_KEY = 'mambogo.user';
const GUEST_CART_KEY = 'mambogo.guestCart';

const changes = new EventTarget();

function read(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch {
    return null;
  }
}

function write(key, value) {
  if (value === null) localStorage.removeItem(key);
  else localStorage.setItem(key, JSON.stringify(value));
  changes.dispatchEvent(new Event('change'));
}

/** The signed-in user `{token, user, admin, expiresAt}`, or null (also once expired). */
export function currentUser() {
  const user = read(USER_KEY);
  if (!user?.token) return null;
  if (user.expiresAt && user.expiresAt * 1000 <= Date.now()) return null;
  return user;
}

/** Keeps a sign-in: `{token, user, admin, expiresAt}` (expiresAt in unix seconds). */
export function signedIn(user) {
  write(USER_KEY, {
    token: user.token,
    user: user.user,
    admin: Boolean(user.admin),
    expiresAt: user.expiresAt ?? null,
  });
}

/** Forgets the signed-in user. */
export function signOut() {
  write(USER_KEY, null);
}

/** The guest cart's id, or null. */
export function guestCartId() {
  return read(GUEST_CART_KEY);
}

/** Remembers (or, with null, forgets) the guest cart's id. */
export function setGuestCartId(id) {
  if (id !== guestCartId()) write(GUEST_CART_KEY, id);
}

/** Calls `listener` after every change of the session. */
export function onSessionChange(listener) {
  changes.addEventListener('change', listener);
}

// Another tab signing in or out changes this one too.
window.addEventListener('storage', (event) => {
  if (event.key === USER_KEY || event.key === GUEST_CART_KEY) {
    changes.dispatchEvent(new Event('change'));
  }
});
