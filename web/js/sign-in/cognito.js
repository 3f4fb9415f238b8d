/**
 * Sign-in on Amazon Cognito's hosted UI, as the deployed shop does it: the OAuth 2.0
 * authorization code flow with PKCE (RFC 7636), for a public client with no secret.
 *
 * The form's button sends the shopper to the hosted UI with a fresh verifier's S256
 * challenge and a random state, both kept in sessionStorage with the page to come back
 * to. Cognito sends the shopper back to the storefront's root with `?code=&state=`;
 * `finishRedirect` checks the state, exchanges the code and the verifier for tokens at
 * the token endpoint and answers the ID token (the API's authorizer takes ID tokens: their
 * `aud` is the app client) as the sign-in.
 */

import { currentConfig } from '../config.js';
import { h } from '../dom.js';

const PENDING_KEY = 'mambogo.cognito.pending';
const SCOPES = 'openid email';

export const cognito = {
  /** A button that starts the sign-in; the shopper comes back to `next`. */
  form({ next }) {
    return h(
      'div',
      { class: 'panel sign-in-form' },
      h('p', {}, 'You sign in, or create an account, on the shop’s secure sign-in page.'),
      h(
        'button',
        { type: 'button', class: 'button large', onclick: () => startSignIn(next) },
        'Continue to sign in',
      ),
    );
  },

  /**
   * Completes a sign-in the hosted UI sent the shopper back from: `{answer, next}`, or
   * null when this page load is no such return.
   */
  async finishRedirect() {
    const params = new URLSearchParams(location.search);
    const code = params.get('code');
    const state = params.get('state');
    const failure = params.get('error');
    if (!code && !failure) return null;
    const pending = readPending();
    sessionStorage.removeItem(PENDING_KEY);
    // The code is single use: it leaves the address bar whatever happens next.
    history.replaceState(null, '', location.pathname);
    if (failure) {
      throw new Error(`Signing in did not finish: ${params.get('error_description') || failure}.`);
    }
    if (!pending || pending.state !== state) {
      throw new Error('This sign-in was not started here, or was started twice. Please sign in again.');
    }
    const tokens = await exchange(code, pending.verifier);
    return { answer: signInOf(tokens.id_token), next: pending.next };
  },

  /** Ends the hosted UI's session too, so that the next sign-in asks again. */
  signedOut() {
    const { domain, clientId } = currentConfig().cognito;
    const logout = new URL(endpoint(domain, 'logout'));
    logout.search = new URLSearchParams({ client_id: clientId, logout_uri: redirectUri() }).toString();
    location.assign(logout.toString());
  },
};

/** The hosted UI's endpoint at `path` (the domain is `https://<prefix>.auth.<region>.amazoncognito.com`). */
function endpoint(domain, path) {
  return `${domain.replace(/\/+$/, '')}/${path}`;
}

/** Where Cognito sends the shopper back: the storefront's root, as the app client lists it. */
function redirectUri() {
  return `${location.origin}/`;
}

async function startSignIn(next) {
  const { domain, clientId } = currentConfig().cognito;
  const verifier = randomText(32);
  const state = randomText(16);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, next }));
  const authorize = new URL(endpoint(domain, 'oauth2/authorize'));
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri(),
    scope: SCOPES,
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(authorize.toString());
}

async function exchange(code, verifier) {
  const { domain, clientId } = currentConfig().cognito;
  const response = await fetch(endpoint(domain, 'oauth2/token'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: verifier,
    }),
  });
  const tokens = await response.json().catch(() => ({}));
  if (!response.ok || !tokens.id_token) {
    throw new Error(`The sign-in page refused the sign-in (${tokens.error || response.status}). Please sign in again.`);
  }
  return tokens;
}

/** The session's shape `{token, user, admin, expiresAt}` from an ID token's claims. */
function signInOf(idToken) {
  const claims = JSON.parse(base64UrlDecode(idToken.split('.')[1] ?? ''));
  const groups = claims['cognito:groups'] ?? claims.groups ?? [];
  return {
    token: idToken,
    user: claims.email || claims['cognito:username'] || claims.sub,
    admin: groups.includes('admin'),
    expiresAt: claims.exp,
  };
}

async function challengeOf(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

/** `bytes` random bytes as base64url: 32 make a 43-character verifier. */
function randomText(bytes) {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64Url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function base64UrlDecode(text) {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(padded), (letter) => letter.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function readPending() {
  try {
    return JSON.parse(sessionStorage.getItem(PENDING_KEY));
  } catch {
    return null;
  }
}
