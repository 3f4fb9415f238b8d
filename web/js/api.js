/**
 * The one way to call the shop's API: the base from config.json before every path, the
 * signed-in user's bearer token or the guest's X-Cart-Id, JSON in and out, and every
 * problem+json answer turned into an `ApiError` carrying its `status`, `detail` and the
 * `errors` naming the fields at fault.
 */

import { currentConfig } from './config.js';
import { currentUser, guestCartId, setGuestCartId, signOut } from './session.js';

/** A problem+json answer (RFC 9457), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || `the shop answered ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.title = problem.title ?? '';
    this.detail = problem.detail ?? this.message;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.problem = problem;
  }
}

/**
 * Sends one request and answers `{status, headers, body}`, or throws an ApiError.
 * `query` is an object of search parameters (empty values left out); `body` is sent
 * as JSON; `headers` are added to those this module sets.
 */
export async function request(method, path, { query, body, headers = {}, signal } = {}) {
  const url = currentConfig().apiBase + path + queryString(query);
  const user = currentUser();
  const sent = { Accept: 'application/json, application/problem+json', ...headers };
  if (user) {
    sent.Authorization = `Bearer ${user.token}`;
  } else if (guestCartId()) {
    sent['X-Cart-Id'] = guestCartId();
  }
  if (body !== undefined) sent['Content-Type'] = 'application/json';

  let response;
  try {
    response = await fetch(url, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, {
      title: 'No answer',
      detail: 'The shop could not be reached. Check your connection and try again.',
    });
  }

  const answer = await readBody(response);
  if (!response.ok) {
    if (response.status === 401 && user) signOut();
    throw new ApiError(response.status, typeof answer === 'object' && answer ? answer : {});
  }
  const newCart = response.headers.get('X-Cart-Id');
  if (newCart && !user) setGuestCartId(newCart);
  return { status: response.status, headers: response.headers, body: answer };
}

async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text };
  }
}

function queryString(query) {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '' && value !== false) {
      params.set(name, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** GET `path` and answer its JSON body. */
export async function get(path, query, options = {}) {
  return (await request('GET', path, { ...options, query })).body;
}

/** POST `body` to `path` and answer the JSON body. */
export async function post(path, body, options = {}) {
  return (await request('POST', path, { ...options, body })).body;
}

/** PUT `body` to `path` and answer the JSON body. */
export async function put(path, body, options = {}) {
  return (await request('PUT', path, { ...options, body })).body;
}

/** DELETE `path` and answer the JSON body. */
export async function del(path, options = {}) {
  return (await request('DELETE', path, options)).body;
}

/** A path segment made safe for a URL (ids come from the API or the address bar). */
export function segment(value) {
  return encodeURIComponent(value);
}
