/**
 * The postal address fields of the API's `Address`: name, two lines, city, region,
 * postal code and country, each labelled, named as the API names them (so that a 422
 * on `shippingAddress.postalCode` lands beside "Postal code").
 */

import { h } from '../dom.js';
import { field, input, select } from '../forms.js';

/** The API's address fields, in the order the form shows them. */
export const ADDRESS_FIELDS = ['name', 'line1', 'line2', 'city', 'region', 'postalCode', 'country'];

/** The fields an address must have. */
export const REQUIRED_ADDRESS_FIELDS = ['name', 'line1', 'city', 'postalCode', 'country'];

/** Countries offered, by ISO 3166-1 alpha-2 code; the API takes any. */
const COUNTRIES = ['US', 'CA', 'GB', 'IE', 'DE', 'FR', 'NL', 'ES', 'IT', 'SE', 'IN', 'JP', 'AU', 'NZ'];

/** The fields, as a list of elements to put in a fieldset. */
export function addressFields(initial = {}) {
  const names = new Intl.DisplayNames(undefined, { type: 'region' });
  const countries = COUNTRIES.map((code) => [code, names.of(code) ?? code]).sort((a, b) =>
    a[1].localeCompare(b[1]),
  );
  const text = (name, autocomplete, extra = {}) =>
    input(name, { autocomplete, value: initial[name] ?? '', maxlength: '200', ...extra });
  return [
    field('Full name', text('name', 'shipping name', { required: true })),
    field('Address line 1', text('line1', 'shipping address-line1', { required: true })),
    field('Address line 2 (optional)', text('line2', 'shipping address-line2')),
    h(
      'div',
      { class: 'field-row' },
      field('City', text('city', 'shipping address-level2', { required: true })),
      field('State, province or county (optional)', text('region', 'shipping address-level1')),
    ),
    h(
      'div',
      { class: 'field-row' },
      field('Postal code', text('postalCode', 'shipping postal-code', { maxlength: '20', required: true })),
      field(
        'Country',
        select('country', countries, initial.country ?? 'US', { autocomplete: 'shipping country' }),
      ),
    ),
  ];
}

/** One line of an address for lists: "Bob, 1 Main St, Springfield IL 12345, US". */
export function addressLine(address) {
  return [
    address.name,
    address.line1,
    address.line2,
    [address.city, address.region, address.postalCode].filter(Boolean).join(' '),
    address.country,
  ]
    .filter(Boolean)
    .join(', ');
}
