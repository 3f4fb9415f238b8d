/**
 * A navigation that narrow screens fold behind a button: the button says whether it is
 * open (`aria-expanded`) and which list it shows; choosing a link (or a button of the
 * list) folds it again, and so does Escape, giving the focus back to the button.
 */

import { h } from '../dom.js';

/**
 * `nav` (class `navClass`, named `label`) holding the button (class `toggleClass`,
 * reading `buttonText`) and `list`, whose id the button controls.
 */
export function foldingNav({ label, navClass, toggleClass, buttonText, list }) {
  const toggle = h(
    'button',
    {
      type: 'button',
      class: toggleClass,
      'aria-expanded': 'false',
      'aria-controls': list.id,
      onclick: () => setOpen(toggle.getAttribute('aria-expanded') !== 'true'),
    },
    buttonText,
  );
  const nav = h('nav', { class: navClass, 'aria-label': label }, toggle, list);

  function setOpen(open) {
    toggle.setAttribute('aria-expanded', String(open));
    nav.classList.toggle('is-open', open);
  }

  list.addEventListener('click', (event) => {
    if (event.target.closest('a, .link-button')) setOpen(false);
  });
  nav.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && nav.classList.contains('is-open')) {
      setOpen(false);
      toggle.focus();
    }
  });
  return nav;
}
