/**
 * The page's runtime configuration, `assets/config.json`: written by the local shop, and
 * at deploy time elsewhere. `apiBase` goes before every API path; `signIn` names how
 * shoppers sign in (see sign-in/index.js).
 */

let config = { apiBase: '', signIn: 'none' };

/** Reads the configuration once, at boot. */
export async function loadConfig() {
  const response = await fetch('assets/config.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`assets/config.json answered ${response.status}`);
  config = { ...config, ...(await response.json()) };
  return config;
}

/** The configuration read at boot. */
export function currentConfig() {
  return config;
}
