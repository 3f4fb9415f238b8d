/**
 * Money as the API sends it: `{amount, currency}`, the amount in the currency's minor
 * units (cents), formatted for the shopper's locale.
 */

const formats = new Map();

function formatFor(currency) {
  if (!formats.has(currency)) {
    formats.set(currency, new Intl.NumberFormat(undefined, { style: 'currency', currency }));
  }
  return formats.get(currency);
}

/** How many minor units make a major one (100 for USD, 1 for JPY). */
function minorUnitsPerMajor(currency) {
  return 10 ** formatFor(currency).resolvedOptions().maximumFractionDigits;
}

/** `{amount: 13899, currency: 'USD'}` → "$138.99". */
export function formatMoney(money) {
  return formatMinor(money.amount, money.currency);
}

/** An amount in minor units of `currency` → "$138.99". */
function formatMinor(amount, currency) {
  return formatFor(currency).format(amount / minorUnitsPerMajor(currency));
}

/** A whole-currency amount the shopper typed (e.g. "99.50") → minor units, or NaN. */
export function toMinor(text, currency) {
  const number = Number(String(text).trim());
  return Number.isFinite(number) ? Math.round(number * minorUnitsPerMajor(currency)) : NaN;
}

/** Like formatMinor, without cents when there are none: "$25", "$12.50". */
export function formatMinorShort(amount, currency) {
  const perMajor = minorUnitsPerMajor(currency);
  if (amount % perMajor !== 0) return formatMinor(amount, currency);
  return new Intl.NumberFormat(undefined, {
    style: 'currency',
    currency,
    minimumFractionDigits: 0,
    maximumFractionDigits: 0,
  }).format(amount / perMajor);
}
