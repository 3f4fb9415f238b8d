// The storefront in a real browser: a shopper's journey through web/ against a fresh
// local shop (in memory, demo catalog), driven by Playwright in Debian's Chromium.
//
//   node tests/browser/journey.mjs <shop-url> <screenshot-dir>
//
// Steps, each printed as it passes:
//   1. journey: browse a category, filter by a facet, open a product, add it to the cart
//      as a guest, check out → sign in (the guest cart merged) → address, quote,
//      tok_approve → the order page reaches CONFIRMED;
//   2. decline: the same with tok_decline → CANCELLED, and the product's stock is back;
//   3. a 422 from the API (a postal code of the wrong shape) shown beside its field;
//   4. axe-core on every page visited: no serious or critical violation;
//   5. screenshots of those pages at 375 and 1280 px wide, and web/'s scripts and styles
//      within the budget (150 KB gzipped);
//   6. cognito: the deployed shop's sign-in (hosted UI, code flow with PKCE) against a
//      stand-in hosted UI that checks the challenge, and a forged return refused.
// It exits non-zero with a message on the first failure. It never sleeps for a fixed
// time: it waits on locators, page functions, or polls with a deadline.

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '../tools/node_modules/playwright-core/index.mjs';

const AXE_PATH = fileURLToPath(new URL('../tools/node_modules/axe-core/axe.min.js', import.meta.url));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WIDTHS = [375, 1280];
const HEIGHT = 800;
const ORDER_SETTLES_MS = 20_000;
const STOCK_SETTLES_MS = 10_000;
/** The pages axe-core checks and the screenshots show, in the order they are visited. */
const PAGES = ['catalog', 'product', 'cart', 'sign-in', 'checkout', 'order', 'my-orders', 'operator'];

const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
/** What a first visit may download at most: all of web/'s JS and CSS, gzipped. */
const BUDGET_BYTES = 150 * 1024;

/** Each .js and .css file under `folder` with its gzipped size. */
async function gzippedSizes(folder) {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && /\.(js|css)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
  return Promise.all(
    files.map(async (file) => [path.relative(folder, file), gzipSync(await readFile(file)).length]),
  );
}

const [shopArgument, screenshotArgument] = process.argv.slice(2);
if (!shopArgument || !screenshotArgument) {
  console.error('usage: node tests/browser/journey.mjs <shop-url> <screenshot-dir>');
  process.exit(2);
}
const shop = shopArgument.replace(/\/$/, '');
const screenshots = path.resolve(screenshotArgument);
const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

const ADDRESS = {
  name: 'Ada Lovelace',
  line1: '12 Analytical Row',
  city: 'Springfield',
  region: 'IL',
  postalCode: '62701',
};

/** Fails the run with a message. */
class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

function ok(step, detail) {
  console.log(`ok  ${step}: ${detail}`);
}

/** `text` as a regular expression that matches it literally. */
function literally(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Polls `probe` until it answers something truthy, or fails after `ms`. */
async function eventually(probe, ms, what) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) throw new Failure(`${what} did not happen within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the polling interval
  }
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

let exitCode = 0;
try {
  await mkdir(screenshots, { recursive: true });
  // The shop serves its pages with a strict content security policy (scripts from the
  // shop only). axe-core is handed to the page from a same-origin address that this
  // test answers itself, so the policy stays in force and a page breaking it fails.
  const context = await browser.newContext({
    viewport: { width: 1280, height: HEIGHT },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const axeSource = await readFile(AXE_PATH, 'utf8');
  await context.route(`${shop}/__test__/axe.min.js`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', body: axeSource }),
  );
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const pageProblems = [];
  page.on('pageerror', (error) => pageProblems.push(`uncaught error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) pageProblems.push(`CSP: ${message.text()}`);
  });
  const audits = new Map();

  /** axe-core on the page as it is, then its screenshots at both widths. */
  async function visit(name) {
    check(PAGES.includes(name), `unknown page ${name}`);
    await page.waitForLoadState('networkidle');
    await page.locator('main[aria-busy]').waitFor({ state: 'detached' });
    if (!(await page.evaluate(() => Boolean(window.axe)))) {
      await page.addScriptTag({ url: `${shop}/__test__/axe.min.js` });
    }
    const results = await page.evaluate(() =>
      window.axe.run(document, { resultTypes: ['violations'] }).then((answer) =>
        answer.violations.map((violation) => ({
          id: violation.id,
          impact: violation.impact,
          help: violation.help,
          targets: violation.nodes.map((node) => node.target.join(' ')),
        })),
      ),
    );
    audits.set(
      name,
      results.filter((violation) => ['serious', 'critical'].includes(violation.impact)),
    );
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: HEIGHT });
      await page.screenshot({ path: path.join(screenshots, `${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: HEIGHT });
    check(pageProblems.length === 0, `the ${name} page: ${pageProblems.join('; ')}`);
  }

  /** The text of the element that describes `control` and holds `pattern`. */
  async function describedError(control, pattern) {
    const ids = (await control.getAttribute('aria-describedby'))?.split(/\s+/) ?? [];
    check(ids.length > 0, 'the field has no aria-describedby');
    const descriptions = page.locator(ids.map((id) => `[id="${id}"]`).join(', '));
    await descriptions.filter({ hasText: pattern }).first().waitFor();
    return (await descriptions.filter({ hasText: pattern }).first().textContent()).trim();
  }

  /** Waits until the order page shows a settled status; answers it. */
  async function settledStatus() {
    const badge = page.getByTestId('order-status');
    await page
      .locator('[data-testid="order-status"]:not([data-status="PENDING"])')
      .waitFor({ timeout: ORDER_SETTLES_MS });
    return badge.getAttribute('data-status');
  }

  async function availability(productId) {
    const response = await page.request.get(`${shop}/products/${productId}`);
    check(response.ok(), `GET /products/${productId} answered ${response.status()}`);
    const product = await response.json();
    return Object.fromEntries(
      product.variants.map((variant) => [variant.sku, variant.available]),
    );
  }

  async function fillAddress(address) {
    for (const [label, value] of [
      ['Full name', address.name],
      ['Address line 1', address.line1],
      ['City', address.city],
      ['State, province or county (optional)', address.region],
      ['Postal code', address.postalCode],
    ]) {
      await page.getByLabel(label, { exact: true }).fill(value);
    }
    await page.getByLabel('Country', { exact: true }).selectOption('US');
  }

  async function addThisProductToCart() {
    const count = page.getByTestId('cart-count');
    const before = Number(await count.textContent());
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByRole('link', { name: 'View cart' }).waitFor();
    await page.waitForFunction(
      (expected) => Number(document.querySelector('[data-testid="cart-count"]')?.textContent) >= expected,
      before + 1,
    );
  }

  // ---- 1. the journey: guest to CONFIRMED ----
  let productId;
  let productName;
  let orderId;
  {
    await page.goto(`${shop}/`);
    await page.getByRole('heading', { level: 1, name: 'All products' }).waitFor();
    await page.locator('.product-card').first().waitFor();
    await visit('catalog');

    const categories = page.getByRole('navigation', { name: 'Categories' });
    await categories.getByRole('link', { name: 'Audio', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Audio' }).waitFor();

    const brand = page.getByRole('button', { name: /^Quokka\b/ });
    await brand.click();
    await page.getByRole('button', { name: /^Quokka\b/, pressed: true }).waitFor();
    await page.waitForFunction(() => {
      const brands = [...document.querySelectorAll('.product-card .product-brand')].map(
        (element) => element.textContent,
      );
      return brands.length > 0 && brands.every((name) => name === 'Quokka');
    });
    check(page.url().includes('brand=Quokka'), `the brand filter is not in the address: ${page.url()}`);

    const firstProduct = page
      .locator('.product-card')
      .filter({ hasText: 'In stock' })
      .first()
      .getByRole('link');
    productName = (await firstProduct.textContent()).trim();
    await firstProduct.click();
    await page.getByRole('heading', { level: 1, name: productName }).waitFor();
    productId = decodeURIComponent(page.url().split('#/product/')[1]);
    await visit('product');

    await addThisProductToCart();
    await page.getByRole('link', { name: /^Cart\b/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Your cart' }).waitFor();
    await page.getByRole('link', { name: new RegExp(`^${literally(productName)}`) }).waitFor();
    await visit('cart');

    await page.getByRole('button', { name: 'Check out' }).click();
    const userName = page.getByRole('textbox', { name: 'User name' });
    await userName.waitFor();
    await visit('sign-in');
    await userName.fill(`shopper-${runId}`);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
    const summary = page.getByRole('complementary', { name: 'Order summary' });
    await summary.getByText(productName).first().waitFor();
    check(
      (await page.getByTestId('cart-count').textContent()) === '1',
      'the merged cart does not hold the one item added as a guest',
    );

    await fillAddress(ADDRESS);
    await page.getByLabel('Save this address for next time').check();
    await page.getByRole('button', { name: 'Calculate total' }).click();
    await summary.getByText('Price guaranteed until').waitFor();
    await page.getByLabel('Test payment').selectOption('tok_approve');
    await visit('checkout');
    await page.getByRole('button', { name: 'Place order' }).click();

    await page.waitForURL(/#\/orders\/[0-9a-f-]{36}$/);
    orderId = page.url().split('#/orders/')[1];
    const status = await settledStatus();
    check(status === 'CONFIRMED', `order ${orderId} became ${status}, not CONFIRMED`);
    await page.getByTestId('order-timeline').getByText('Confirmed').waitFor();
    await visit('order');
    ok('journey', `order ${orderId} CONFIRMED`);
  }

  // ---- 2. a declined payment: CANCELLED, and the stock back ----
  {
    await page.goto(`${shop}/#/product/${encodeURIComponent(productId)}`);
    await page.getByRole('button', { name: 'Add to cart' }).waitFor();
    const before = await availability(productId);
    await addThisProductToCart();
    await page.getByRole('link', { name: /^Cart\b/ }).click();
    await page.getByRole('button', { name: 'Check out' }).click();

    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
    // The address saved in step 1 is chosen, and quoted, by itself.
    await page.getByRole('radio', { name: new RegExp(literally(ADDRESS.line1)) }).waitFor();
    check(
      await page.getByRole('radio', { name: new RegExp(literally(ADDRESS.line1)) }).isChecked(),
      'the saved address is not chosen',
    );
    await page.getByText('Price guaranteed until').waitFor();
    await page.getByLabel('Test payment').selectOption('tok_decline');
    await page.getByRole('button', { name: 'Place order' }).click();

    await page.waitForURL((url) => /#\/orders\/[0-9a-f-]{36}$/.test(url.href) && !url.href.endsWith(orderId));
    const declined = page.url().split('#/orders/')[1];
    const status = await settledStatus();
    check(status === 'CANCELLED', `order ${declined} became ${status}, not CANCELLED`);
    const after = await eventually(
      async () => {
        const now = await availability(productId);
        return JSON.stringify(now) === JSON.stringify(before) ? now : null;
      },
      STOCK_SETTLES_MS,
      `the stock of ${productId} returning to ${JSON.stringify(before)}`,
    );
    ok('decline', `order ${declined} CANCELLED; ${productId} stock back to ${JSON.stringify(after)}`);
  }

  // ---- 3. the API's 422 beside the field it names ----
  {
    await page.goto(`${shop}/#/checkout`);
    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
    await page.getByRole('radio', { name: 'A new address' }).check();
    await fillAddress({ ...ADDRESS, postalCode: '1234' });
    await page.getByRole('button', { name: 'Place order' }).click();
    const postalCode = page.getByLabel('Postal code', { exact: true });
    const message = await describedError(postalCode, /ZIP/i);
    check(
      (await postalCode.getAttribute('aria-invalid')) === 'true',
      'the postal code is not marked aria-invalid',
    );
    check(page.url().endsWith('#/checkout'), 'checkout moved on despite the error');
    ok('422 beside its field', `Postal code: "${message}"`);
  }

  // ---- the remaining pages: my orders, and the operator's ----
  {
    await page.getByRole('link', { name: 'My orders' }).click();
    await page.getByRole('heading', { level: 1, name: 'My orders' }).waitFor();
    await page.getByRole('link', { name: new RegExp(`Order ${orderId.slice(0, 8)}`, 'i') }).waitFor();
    await visit('my-orders');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${shop}/#/operator`);
    await page.getByRole('link', { name: 'Sign in as an operator' }).click();
    await page.getByRole('textbox', { name: 'User name' }).fill(`operator-${runId}`);
    await page.getByLabel('Sign in as an operator (admin)').check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Operator' }).waitFor();
    await page
      .getByRole('button', { name: new RegExp(`^Process order ${orderId.slice(0, 8)}`, 'i') })
      .waitFor();
    await visit('operator');
  }

  // ---- the deployed shop's sign-in: Cognito's hosted UI, code flow with PKCE ----
  // A stand-in hosted UI at a same-origin address this test answers: it checks what
  // the page sends (the S256 challenge against the verifier, the state, the redirect)
  // and, for a good exchange, hands over a development token as the ID token.
  {
    const hosted = `${shop}/__test__/cognito`;
    const clientId = 'storefront-client';
    const signedInAs = `cognito-${runId}`;
    const cognitoContext = await browser.newContext({ viewport: { width: 1280, height: HEIGHT } });
    await cognitoContext.route(`${shop}/assets/config.json`, (route) =>
      route.fulfill({ json: { apiBase: '', signIn: 'cognito', cognito: { domain: hosted, clientId } } }),
    );
    let challenge = null;
    const issuedCode = `code-${runId}`;
    await cognitoContext.route(
      (url) => url.pathname === '/__test__/cognito/oauth2/authorize',
      (route) => {
        const asked = new URL(route.request().url()).searchParams;
        const fits =
          asked.get('response_type') === 'code' &&
          asked.get('client_id') === clientId &&
          asked.get('redirect_uri') === `${shop}/` &&
          asked.get('code_challenge_method') === 'S256' &&
          asked.get('scope')?.split(' ').includes('openid') &&
          (asked.get('state') ?? '').length >= 16;
        if (!fits) return route.fulfill({ status: 400, body: `a bad authorize request: ${asked}` });
        challenge = asked.get('code_challenge');
        const back = new URL(`${shop}/`);
        back.search = new URLSearchParams({ code: issuedCode, state: asked.get('state') }).toString();
        return route.fulfill({ status: 302, headers: { location: back.toString() } });
      },
    );
    await cognitoContext.route(`${hosted}/oauth2/token`, async (route) => {
      const form = new URLSearchParams(route.request().postData() ?? '');
      const verified = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
      const fits =
        form.get('grant_type') === 'authorization_code' &&
        form.get('code') === issuedCode &&
        form.get('client_id') === clientId &&
        form.get('redirect_uri') === `${shop}/` &&
        challenge !== null &&
        verified === challenge;
      if (!fits) return route.fulfill({ status: 400, json: { error: 'invalid_grant' } });
      const minted = await fetch(`${shop}/dev/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: signedInAs }),
      }).then((response) => response.json());
      return route.fulfill({
        json: { id_token: minted.token, access_token: minted.token, token_type: 'Bearer', expires_in: 3600 },
      });
    });
    const hostedPage = await cognitoContext.newPage();
    hostedPage.setDefaultTimeout(15_000);

    await hostedPage.goto(`${shop}/?code=forged&state=forged#/`);
    await hostedPage.getByText('This sign-in was not started here').first().waitFor();
    check(!hostedPage.url().includes('code='), 'a forged code stays in the address');
    await hostedPage.getByRole('link', { name: 'Sign in' }).first().waitFor();

    await hostedPage.goto(`${shop}/#/sign-in?next=/orders`);
    await hostedPage.getByRole('button', { name: 'Continue to sign in' }).click();
    await hostedPage.getByRole('heading', { level: 1, name: 'My orders' }).waitFor();
    await hostedPage.getByText(signedInAs).first().waitFor();
    check(hostedPage.url() === `${shop}/#/orders`, `back from the hosted UI at ${hostedPage.url()}`);
    await cognitoContext.close();
    ok('cognito', `signed in as ${signedInAs} through the hosted UI's code flow with PKCE`);
  }

  // ---- 4. axe-core ----
  {
    const failures = [...audits].filter(([, violations]) => violations.length > 0);
    if (failures.length > 0) {
      const lines = failures.flatMap(([name, violations]) =>
        violations.map(
          (violation) =>
            `  ${name}: ${violation.id} (${violation.impact}) ${violation.help}\n      at ${violation.targets.join('\n      at ')}`,
        ),
      );
      throw new Failure(`axe-core found serious or critical violations:\n${lines.join('\n')}`);
    }
    ok(
      'axe-core',
      `${audits.size} pages (${[...audits.keys()].join(', ')}) without serious or critical violations`,
    );
  }

  // ---- the budget: every script and style of web/, gzipped, under 150 KB ----
  {
    const sizes = await gzippedSizes(WEB_DIR);
    const total = sizes.reduce((sum, [, bytes]) => sum + bytes, 0);
    check(
      total < BUDGET_BYTES,
      `web/'s JS and CSS weigh ${total} bytes gzipped, over the budget of ${BUDGET_BYTES}: ${sizes
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([file, bytes]) => `${file} ${bytes}`)
        .join(', ')}`,
    );
    ok('budget', `${sizes.length} scripts and styles, ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)`);
  }

  // ---- 5. screenshots ----
  ok('screenshots', `${audits.size * WIDTHS.length} pages at ${WIDTHS.join(' and ')} px in ${screenshots}`);
  await context.close();
} catch (error) {
  exitCode = 1;
  console.error(`FAIL ${error instanceof Failure ? error.message : (error.stack ?? error)}`);
} finally {
  await browser.close();
}
process.exit(exitCode);
