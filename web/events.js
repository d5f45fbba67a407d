// events.js - the session's event log (docs/events.md) as a table that
// grows: each refresh asks only for events after the last one seen.  The
// service filters by visibility already; the mediator can narrow the list
// to the public events, what every participant sees.

import {h, clear, num} from './dom.js';
import * as api from './api.js';

function textSummary(t) {
    return t ? Object.entries(t).map(([k, v]) => `${k}=${v}`).join(', ') : '';
}

// One line saying what the event is about, per kind.
export function eventSummary(e) {
    switch (e.kind) {
    case 'session_open': return `${e.scenario || ''}; parties ${(e.parties || []).join(', ')}`;
    case 'disclosure': return `declared reservation ${num(e.reservation)}, ${(e.red_lines || []).length} red lines`;
    case 'concern': return e.text || '';
    case 'guarantee_offer': return `${e.guarantee}: ${e.guarantor} to ${e.beneficiary} (${e.guarantee_kind})`;
    case 'agenda': return `${e.policy}: ${(e.order || []).map((u) => u.cluster).join(' \u2192 ')}`;
    case 'cluster_open': return `${e.cluster} (${e.position} of ${e.of}): ${(e.issues || []).join(', ')}`;
    case 'working_group': return `members ${(e.members || []).join(', ')}${e.drafts ? ', drafting' : ''}`;
    case 'pilot': case 'text': return `${e.stage || ''}: ${textSummary(e.text)}`;
    case 'answer': return `${e.answer}${e.issues ? ' ' + e.issues.join(', ') : ''}${e.ground ? ', ground ' + e.ground : ''}${e.pilot ? ' (straw poll)' : ''}${e.reason ? ': ' + e.reason : ''}`;
    case 'veto_ruling': return `${e.upheld ? 'upheld' : 'refused'}: ${e.reason || ''}`;
    case 'counts': return `${e.accept} accept, ${e.object} object, ${e.veto} veto${e.pilot ? ' (straw poll)' : ''}`;
    case 'concession': return `aspiration ${num(e.from)} \u2192 ${num(e.to)}${e.clamped ? ' (bounded)' : ''}`;
    case 'credit': return `${e.act} (${e.change > 0 ? '+' : ''}${e.change}), weight \u00d7${num(e.weight_factor)}`;
    case 'draft': return `${e.agreed ? 'agreed' : 'rounds ran out'}: ${textSummary(e.text)}`;
    case 'cluster_settled': return `${e.status} after ${e.rounds} rounds`;
    case 'integration': return textSummary(e.text);
    case 'repair': return `changed ${(e.changed || []).join(', ')}`;
    case 'guarantee_provisional': return `${e.guarantee}: ${e.guarantor} to ${e.beneficiary}`;
    case 'walkout': return e.reason || '';
    case 'agreement': return `after ${e.rounds} rounds: ${textSummary(e.text)}`;
    case 'impasse': return `${e.reason || ''}`;
    default: return '';
    }
}

export function eventLog(sid) {
    const events = [];
    let maxSeq = -1;
    let publicOnly = false;
    const body = h('tbody', {});
    const filter = h('input', {type: 'checkbox', id: 'events-public', on: {change: () => {
        publicOnly = filter.checked;
        redraw();
    }}});
    const count = h('p', {class: 'hint', id: 'events-count'});
    const node = h('section', {'aria-labelledby': 'ev-h', id: 'events'},
        h('h2', {id: 'ev-h'}, 'Event log'),
        h('div', {class: 'field check'}, filter, h('label', {for: 'events-public'}, 'Public events only')),
        count,
        h('div', {class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'Event log entries'},
            h('table', {id: 'events-table'},
                h('thead', {}, h('tr', {}, ['Seq', 'Round', 'Kind', 'Visibility', 'Party', 'Unit', 'What'].map((t) => h('th', {scope: 'col'}, t)))),
                body)));

    function redraw() {
        clear(body);
        const shown = events.filter((e) => !publicOnly || e.visibility === 'public');
        count.textContent = `${shown.length} events shown of ${events.length}.`;
        // Newest first: what just happened is what the reader wants.
        for (const e of shown.slice().reverse()) {
            body.appendChild(h('tr', {'data-kind': e.kind},
                h('th', {scope: 'row'}, String(e.seq)), h('td', {}, num(e.round)), h('td', {}, e.kind),
                h('td', {}, e.visibility || ''), h('td', {}, e.party || ''), h('td', {}, e.cluster || ''),
                h('td', {}, eventSummary(e))));
        }
    }

    // Fetches the events after the last one seen; returns how many came.
    async function fetchNew() {
        const q = maxSeq >= 0 ? `?after=${maxSeq}` : '';
        const data = await api.get(`/sessions/${api.enc(sid)}/events${q}`);
        let added = 0;
        for (const e of (data && data.events) || []) {
            if (typeof e.seq === 'number' && e.seq <= maxSeq) continue;
            events.push(e);
            maxSeq = Math.max(maxSeq, e.seq);
            added++;
        }
        return added;
    }

    async function refresh() {
        let added = 0;
        try {
            added = await fetchNew();
        } catch {
            return;
        }
        if (added || !body.firstChild) redraw();
    }

    return {node, refresh, fetchNew, redraw, events};
}
