/**
 * Development sign-in, on the local shop only: `POST /dev/sign-in` with a user name (and
 * whether to be an operator) answers a token for it. No password: it is for trying the
 * shop, never for production.
 */

import * as api from '../api.js';
import { h } from '../dom.js';
import { field, formAlert, input, showErrors, busy } from '../forms.js';

export const development = {
  /** The form; `onSignedIn({token, user, admin, expiresAt})` runs after a good answer. */
  form({ onSignedIn }) {
    const userName = input('user', {
      autocomplete: 'username',
      autocapitalize: 'none',
      spellcheck: 'false',
      maxlength: '64',
      required: true,
    });
    const form = h(
      'form',
      {
        class: 'panel sign-in-form',
        novalidate: true,
        onsubmit: async (event) => {
          event.preventDefault();
          const admin = form.elements.namedItem('admin').checked;
          try {
            const signedIn = await busy(form, () =>
              api.post('/dev/sign-in', { user: userName.value.trim(), admin }),
            );
            await onSignedIn(signedIn);
          } catch (error) {
            showErrors(form, error);
          }
        },
      },
      formAlert(),
      h(
        'p',
        { class: 'muted' },
        'This is the local development shop: any user name signs you in, no password needed.',
      ),
      field('User name', userName, { hint: "Letters, digits, '.', '_' or '-', up to 64." }),
      h(
        'div',
        { class: 'checkbox' },
        h('input', { type: 'checkbox', name: 'admin', id: 'sign-in-admin' }),
        h('label', { for: 'sign-in-admin' }, 'Sign in as an operator (admin)'),
      ),
      h('button', { type: 'submit', class: 'button large' }, 'Sign in'),
    );
    return form;
  },
};
