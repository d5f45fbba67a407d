// live.js - what every session view shares: reading what the session
// awaits in whatever form the service states it, labels for the actions,
// and a view that refreshes itself without destroying the user's work.

import {announce} from './notify.js';
import {h} from './dom.js';

// The mediator's gated actions (live.h "Gating"): action name, route, label.
export const MEDIATOR_ACTIONS = [
    ['start', 'start', 'Start the session'],
    ['open_cluster', 'clusters', 'Open the next agenda unit'],
    ['propose', 'texts', 'Table the text'],
    ['pilot', 'pilots', 'Table a straw poll'],
    ['close_round', 'rounds/close', 'Close the round'],
    ['agree', 'agreement', 'Record the agreement'],
];

const WORDS = {
    start: 'the mediator to start the session',
    open_cluster: 'the mediator to open the next agenda unit',
    propose: 'the mediator to table a text',
    pilot: 'the mediator to table a straw poll',
    close_round: 'the mediator to close the round',
    agree: 'the mediator to record the agreement',
    profile: 'profiles',
    answer: 'answers',
    concede: 'concessions',
    concession: 'concessions',
    concern: 'concerns',
};

function asList(v) {
    if (v === null || v === undefined) return [];
    return Array.isArray(v) ? v : [v];
}

// state.awaits as a list of {action, from: [actor ids]}.  Accepts a string
// ("start"), an object ({"action"|"kind"|"what": ..., "from"|"who"|
// "parties": ...}) or a list of either.
export function awaited(state) {
    const raw = state ? (state.awaits !== undefined ? state.awaits : state.awaiting) : null;
    return asList(raw).map((a) => {
        if (typeof a === 'string') return {action: a, from: []};
        const action = a.action || a.kind || a.what || a.type || '';
        const from = asList(a.from || a.who || a.parties || a.party || a.actors);
        return {action, from: from.map(String), round: a.round};
    }).filter((a) => a.action);
}

export function awaitsAction(state, action) {
    return awaited(state).some((a) => a.action === action);
}

export function ended(state) {
    return Boolean(state && (state.ended || state.phase === 'agreement' || state.phase === 'impasse'));
}

export function awaitedText(state) {
    if (ended(state)) return `The session has ended: ${state.outcome || state.phase}.`;
    // One clause per action, naming everyone it awaits from.
    const byAction = new Map();
    for (const a of awaited(state)) {
        const from = byAction.get(a.action) || [];
        for (const f of a.from) if (f !== 'mediator' && !from.includes(f)) from.push(f);
        byAction.set(a.action, from);
    }
    if (!byAction.size) return 'The session awaits nothing right now.';
    return 'The session awaits ' + Array.from(byAction, ([action, from]) => {
        const w = WORDS[action] || action.replace(/_/g, ' ');
        return from.length && !w.startsWith('the mediator') ? `${w} from ${from.join(', ')}` : w;
    }).join('; ') + '.';
}

// A refreshing view.  load() fetches the data, draw(data) rebuilds the
// page.  Every few seconds the data is fetched again; a change redraws the
// page unless the user has started filling in a form (then a notice offers
// to refresh), and focus returns to the control that had it.  What the
// session awaits is announced in the live region when it changes.
export function liveView({load, draw, awaitedOf, ms = 4000}) {
    let lastKey = null;
    let lastAwaited = null;
    let dirty = false;
    let timer = null;
    const main = document.getElementById('main');
    const onInput = (ev) => {
        if (ev.target.closest && ev.target.closest('form')) dirty = true;
    };
    main.addEventListener('input', onInput);

    async function refresh(force) {
        const data = await load();
        const key = JSON.stringify(data);
        if (!force && key === lastKey) return;
        if (!force && dirty) {
            const bar = document.getElementById('stale');
            if (bar) bar.hidden = false;
            return;
        }
        lastKey = key;
        dirty = false;
        const active = document.activeElement;
        const focusId = active && main.contains(active) ? active.id : null;
        draw(data);
        if (focusId) {
            // The control may be gone or disabled now (an action button once
            // its step is done): then what the session awaits takes focus.
            const el = document.getElementById(focusId);
            const to = el && !el.disabled ? el : main.querySelector('.awaits');
            if (to) to.focus();
        }
        if (awaitedOf) {
            const a = awaitedOf(data);
            if (a !== lastAwaited) {
                lastAwaited = a;
                announce(a);
            }
        }
    }

    timer = window.setInterval(() => { refresh(false).catch(() => {}); }, ms);
    const stop = () => {
        window.clearInterval(timer);
        main.removeEventListener('input', onInput);
    };
    return {refresh, stop};
}

// The notice shown when new data arrived while a form was being filled in.
export function staleBar(refresh) {
    return h('div', {id: 'stale', class: 'stale', hidden: true},
        'The session has changed since this page was drawn. ',
        h('button', {type: 'button', on: {click: () => refresh(true)}}, 'Refresh now'));
}
