/**
 * Form pieces every page uses: a labelled field with a place for its error (wired with
 * aria-describedby), and showing an API problem's `errors` beside the fields they name,
 * with whatever names no field in a form-level alert.
 */

import { h, fill, uniqueId } from './dom.js';

/**
 * A labelled control with an error slot. `control` is an input, select or textarea
 * made by the caller (its `name` is how API errors find it); `hint` is shown under the
 * label. Answers the wrapping element.
 */
export function field(label, control, { hint } = {}) {
  control.id ||= uniqueId(control.name || 'field');
  const error = h('p', { class: 'field-error', id: `${control.id}-error`, hidden: true });
  const hintElement = hint ? h('p', { class: 'field-hint', id: `${control.id}-hint` }, hint) : null;
  control.setAttribute('aria-describedby', [hintElement?.id, error.id].filter(Boolean).join(' '));
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), hintElement, control, error);
}

/** A text input (`type` text unless given) with `attributes`. */
export function input(name, attributes = {}) {
  return h('input', { type: 'text', name, ...attributes });
}

/** A select of `[value, text]` pairs, `selected` chosen. */
export function select(name, options, selected, attributes = {}) {
  return h(
    'select',
    { name, ...attributes },
    options.map(([value, text]) => h('option', { value, selected: value === selected }, text)),
  );
}

/** The alert at the top of a form, for errors that name no field of it. */
export function formAlert() {
  return h('div', { class: 'form-alert', role: 'alert', tabindex: '-1', hidden: true });
}

/** Clears every error shown in `form`. */
export function clearErrors(form) {
  for (const error of form.querySelectorAll('.field-error')) {
    error.hidden = true;
    error.textContent = '';
  }
  for (const control of form.querySelectorAll('[aria-invalid]')) {
    control.removeAttribute('aria-invalid');
  }
  for (const alert of form.querySelectorAll('.form-alert')) {
    alert.hidden = true;
    alert.replaceChildren();
  }
}

/**
 * Shows `error` (an ApiError or any Error) in `form`: each `errors[].field` beside the
 * control whose name is the field's last part (`shippingAddress.postalCode` →
 * `postalCode`), unless `fieldNames` maps the API's field to another control name;
 * everything else in the form's alert. The first control at fault gets the focus.
 */
export function showErrors(form, error, fieldNames = {}) {
  clearErrors(form);
  const unplaced = [];
  let first = null;
  for (const { field: apiField, message } of error.errors ?? []) {
    const control = controlFor(form, apiField, fieldNames);
    const slot = control && form.querySelector(`#${CSS.escape(control.id)}-error`);
    if (!slot) {
      unplaced.push(message ? `${apiField}: ${message}` : apiField);
      continue;
    }
    // Several problems with one field are all said, one after the other.
    slot.textContent = [slot.textContent, sentence(message)].filter(Boolean).join(' ');
    slot.hidden = false;
    control.setAttribute('aria-invalid', 'true');
    first ??= control;
  }
  if (!first || unplaced.length > 0) {
    const alert = form.querySelector('.form-alert');
    const summary = first ? unplaced.map(sentence) : [sentence(error.detail || error.message)];
    if (alert) {
      fill(
        alert,
        summary.length === 1
          ? summary[0]
          : h(
              'ul',
              {},
              summary.map((text) => h('li', {}, text)),
            ),
      );
      alert.hidden = false;
    }
  }
  (first ?? form.querySelector('.form-alert:not([hidden])'))?.focus?.();
  return first;
}

function controlFor(form, apiField, fieldNames) {
  const name =
    fieldNames[apiField] ??
    apiField
      .split('.')
      .pop()
      .replace(/\[\d+\]$/, '');
  const control = form.elements.namedItem(name);
  if (!control) return null;
  // A radio group names several controls: its error sits with the group's first one.
  return control instanceof RadioNodeList ? control[0] : control;
}

/** "must be a US ZIP code" → "Must be a US ZIP code." */
function sentence(text) {
  const trimmed = String(text ?? '').trim();
  if (!trimmed) return '';
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** The form's named values as an object of trimmed strings (empty ones left out). */
export function formValues(form, names) {
  const values = {};
  for (const name of names) {
    const value = String(new FormData(form).get(name) ?? '').trim();
    if (value) values[name] = value;
  }
  return values;
}

/** Disables the form's submit buttons while `work` runs. */
export async function busy(form, work) {
  const buttons = [...form.querySelectorAll('button')];
  const before = buttons.map((button) => button.disabled);
  buttons.forEach((button) => {
    button.disabled = true;
  });
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    buttons.forEach((button, index) => {
      button.disabled = before[index];
    });
    form.removeAttribute('aria-busy');
  }
}
