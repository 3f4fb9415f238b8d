/**
 * Building elements without markup strings. `h('a', {href, class: 'x'}, 'text', child)`
 * makes an element; text always becomes a text node, so nothing the API sends is ever
 * read as HTML.
 */

/**
 * An element: `props` are attributes (`class`, `for`, `aria-*`, `data-*`), event
 * handlers (`onclick`, `oninput`, …, as functions) and a few properties set directly
 * (`value`, `checked`, `disabled`, `hidden`, `selected`). `null`, `undefined` and
 * `false` attributes and children are left out; arrays of children are flattened.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (PROPERTIES.has(name)) {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected']);

/** Appends children (strings, numbers, nodes, nested arrays; nulls skipped). */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

/** Replaces everything inside `parent` with `children`. */
export function fill(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** Text for screen readers only (see `.visually-hidden` in app.css). */
export function hiddenText(text) {
  return h('span', { class: 'visually-hidden' }, text);
}

let lastId = 0;

/** A fresh id for wiring labels, descriptions and listboxes together. */
export function uniqueId(prefix) {
  lastId += 1;
  return `${prefix}-${lastId}`;
}
