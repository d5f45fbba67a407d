// notify.js - the two live regions: what the session awaits / what just
// happened (polite), and errors (assertive).  Screen readers announce both;
// errors show the service's status, message and every diagnostic with the
// JSON path it points at.

import {h, clear} from './dom.js';

// Messages that arrive close together (what an action did, then what the
// session now awaits) are read as one, so the second does not silence the
// first.
let last = {msg: '', at: 0};

export function announce(msg) {
    const el = document.getElementById('live');
    const now = Date.now();
    let text = msg || '';
    if (text && now - last.at < 1500 && last.msg && !last.msg.includes(text)) text = `${last.msg} ${text}`;
    last = {msg: text, at: now};
    // Re-setting the same text is not announced again; clear first.
    el.textContent = '';
    if (text) window.setTimeout(() => { el.textContent = text; }, 30);
}

// On a page change: what was announced on the previous page no longer
// applies, unless it was just said (the sign-in that led here).
export function clearStale() {
    if (Date.now() - last.at > 2000) {
        last = {msg: '', at: 0};
        document.getElementById('live').textContent = '';
    }
}

export function clearError() {
    clear(document.getElementById('errors'));
}

export function showError(err, what) {
    const box = clear(document.getElementById('errors'));
    const diags = (err && err.diagnostics) || [];
    box.appendChild(h('div', {class: 'error', 'data-status': err.status || ''},
        h('p', {},
            h('strong', {}, what ? `${what} failed: ` : 'Error: '),
            err.message || String(err),
            err.status ? h('span', {class: 'status'}, ` (${err.status})`) : null),
        diags.length ? h('ul', {class: 'diags'}, diags.map((d) => h('li', {},
            d.path ? h('code', {class: 'path'}, d.path) : null,
            d.line ? ` line ${d.line}, column ${d.column || 0}` : null,
            d.path || d.line ? ': ' : null,
            d.message || ''))) : null,
        h('button', {type: 'button', class: 'link', on: {click: clearError}}, 'Dismiss')));
}

// Runs an async action from a button or form: errors go to the error
// region, success clears it.  Returns the action's result or undefined.
export async function attempt(what, fn) {
    try {
        const r = await fn();
        clearError();
        return r;
    } catch (e) {
        showError(e, what);
        return undefined;
    }
}
