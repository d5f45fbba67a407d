// ledger.js - the signed ledger, page by page, with the verdict of
// GET /ledger/verify: entries up to the first fault are verified, the
// faulty one is marked, and the ones after it are not vouched for.

import {h, add, clear} from './dom.js';
import * as api from './api.js';
import {attempt} from './notify.js';

const LIMIT = 25;

function hexPrefix(x) {
    return typeof x === 'string' ? x.slice(0, 12) : '';
}

function verdictOf(seq, v) {
    if (!v) return ['not checked', 'unknown'];
    if (v.ok) return seq <= ((v.head && v.head.seq) || Infinity) ? ['verified', 'ok'] : ['after the checked head', 'unknown'];
    const bad = v.fault && v.fault.seq;
    if (bad === undefined || bad === null) return ['not verified', 'bad'];
    if (seq < bad) return ['verified', 'ok'];
    if (seq === bad) return [`FAULT: ${v.fault.fault || v.fault.kind || ''}`, 'bad'];
    return ['after a fault', 'bad'];
}

export async function renderLedger({main}) {
    const cursors = [0];
    let verdict = null;
    const status = h('div', {id: 'ledger-status', class: 'verdict'});
    const body = h('div', {id: 'ledger-page'});
    const prev = h('button', {type: 'button', id: 'ledger-prev', on: {click: () => { if (cursors.length > 1) { cursors.pop(); load(); } }}}, 'Previous page');
    const next = h('button', {type: 'button', id: 'ledger-next'}, 'Next page');
    const recheck = h('button', {type: 'button', id: 'ledger-verify', on: {click: () => verify().then(load)}}, 'Verify again');
    let nextCursor = null;
    next.addEventListener('click', () => {
        if (nextCursor !== null) {
            cursors.push(nextCursor);
            load();
        }
    });

    async function verify() {
        verdict = await attempt('Verifying the ledger', () => api.get('/ledger/verify'));
        clear(status);
        if (!verdict) return;
        status.className = `verdict ${verdict.ok ? 'ok' : 'bad'}`;
        status.append(verdict.ok
            ? h('p', {}, h('strong', {}, 'Ledger verified: '), `${verdict.entries} entries, every signature and link checked; head ${verdict.head ? `${verdict.head.seq}, hash ${hexPrefix(verdict.head.hash)}\u2026` : '\u2013'}`)
            : h('p', {}, h('strong', {}, 'Ledger NOT verified: '),
                verdict.fault ? `${verdict.fault.fault || verdict.fault.kind || 'fault'} at seq ${verdict.fault.seq}: ${verdict.fault.message || ''}` : '',
                ` (${verdict.entries} entries verified before it).`));
    }

    async function load() {
        const after = cursors[cursors.length - 1];
        const data = await attempt('Loading the ledger', () => api.get(`/ledger?after=${after}&limit=${LIMIT}`));
        clear(body);
        if (!data) return;
        const entries = data.entries || [];
        const rows = entries.map((e) => {
            const [label, cls] = verdictOf(e.seq, verdict);
            return h('tr', {'data-seq': e.seq},
                h('th', {scope: 'row'}, String(e.seq)), h('td', {}, e.author), h('td', {}, e.kind),
                h('td', {}, h('code', {title: e.hash || ''}, hexPrefix(e.hash))),
                h('td', {class: cls}, label),
                h('td', {}, h('details', {}, h('summary', {}, 'payload'), h('pre', {class: 'json'}, typeof e.payload === 'string' ? e.payload : JSON.stringify(e.payload, null, 2)))));
        });
        const last = entries.length ? entries[entries.length - 1].seq : after;
        nextCursor = entries.length === LIMIT ? (data.next !== undefined && data.next !== null ? data.next : last) : null;
        if (nextCursor !== null && nextCursor <= after) nextCursor = last;
        add(body, 
            h('p', {id: 'ledger-range'}, entries.length ? `Entries ${entries[0].seq} to ${last}.` : 'No entries on this page.'),
            h('table', {id: 'ledger-table'},
                h('caption', {}, 'Ledger entries'),
                h('thead', {}, h('tr', {}, ['Seq', 'Author', 'Kind', 'Hash', 'Verification', 'Payload'].map((t) => h('th', {scope: 'col'}, t)))),
                h('tbody', {}, rows)));
        prev.disabled = cursors.length <= 1;
        next.disabled = nextCursor === null;
    }

    add(main, h('h1', {}, 'Ledger'),
        h('p', {class: 'hint'}, 'Every write is an entry signed by its author and chained to the one before; private data appears only as a hash.'),
        status, h('p', {}, recheck), body,
        h('nav', {'aria-label': 'Ledger pages', class: 'buttons'}, prev, next));
    await verify();
    await load();
    return null;
}
