// dom.js - building the page from data without HTML strings.
//
// Everything the server sends (ids, names, free text written by parties)
// goes into the page through textContent and attributes, never through
// innerHTML, so nothing a participant types can become markup or script.
// The Content-Security-Policy forbids inline handlers anyway; listeners are
// attached here with addEventListener.

const SVG_NS = 'http://www.w3.org/2000/svg';

function put(el, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'on') {
            for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
        } else if (k === 'class') {
            el.setAttribute('class', v);
        } else if (k === 'for') {
            el.setAttribute('for', v);
        } else if (k === 'value' && 'value' in el) {
            el.value = v;
        } else if (k === 'checked' || k === 'disabled' || k === 'selected') {
            el[k] = Boolean(v);
        } else if (k === 'text') {
            el.textContent = v;
        } else {
            el.setAttribute(k, v === true ? '' : String(v));
        }
    }
}

function append(el, children) {
    for (const c of children) {
        if (c === null || c === undefined || c === false) continue;
        if (Array.isArray(c)) append(el, c);
        else if (c instanceof Node) el.appendChild(c);
        else el.appendChild(document.createTextNode(String(c)));
    }
}

// h('button', {on: {click: f}}, 'Start') -> <button>Start</button>
export function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    put(el, attrs);
    append(el, children);
    return el;
}

// The same in the SVG namespace.
export function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    put(el, attrs);
    append(el, children);
    return el;
}

// Appends children, skipping null, undefined and false (Element.append
// would write them as text) and flattening arrays.
export function add(el, ...children) {
    append(el, children);
    return el;
}

export function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
}

let uid = 0;
// A fresh id for label/control pairs; prefixes keep them readable in tests.
export function newId(prefix) {
    uid += 1;
    return `${prefix}-${uid}`;
}

// A labelled control: <div class=field><label for=id>text</label>control</div>.
export function field(labelText, control, hint) {
    if (!control.id) control.id = newId('f');
    let hintEl = null;
    if (hint) {
        hintEl = h('p', {class: 'hint', id: control.id + '-hint'}, hint);
        control.setAttribute('aria-describedby', hintEl.id);
    }
    return h('div', {class: 'field'},
        h('label', {for: control.id}, labelText), control, hintEl);
}

// A table from a header list and rows of cells (strings or nodes).
export function table(caption, headers, rows, attrs) {
    return h('table', attrs || {},
        caption ? h('caption', {}, caption) : null,
        h('thead', {}, h('tr', {}, headers.map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) =>
            i === 0 ? h('th', {scope: 'row'}, c) : h('td', {}, c))))));
}

// Numbers as the docs print them: a few significant digits, '-' for none.
export function num(x, digits = 3) {
    if (x === null || x === undefined || Number.isNaN(x)) return '\u2013';
    if (typeof x !== 'number') return String(x);
    if (Number.isInteger(x)) return String(x);
    return String(Number(x.toPrecision(digits)));
}

// A JSON value shown as readable text (for fields the UI has no widget for).
export function pretty(v) {
    return h('pre', {class: 'json'}, JSON.stringify(v, null, 2));
}

// A text {issue: option} as a definition list, in the order given.
export function textList(text, highlight) {
    if (!text || typeof text !== 'object') return h('p', {}, 'No text tabled yet.');
    const open = new Set(highlight || []);
    return h('dl', {class: 'text'}, Object.entries(text).map(([issue, opt]) => [
        h('dt', {class: open.has(issue) ? 'open' : null}, issue),
        h('dd', {class: open.has(issue) ? 'open' : null}, String(opt)),
    ]));
}
