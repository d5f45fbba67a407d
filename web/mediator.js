// mediator.js - the mediator's pages: the session list with the form that
// creates a session, and a session's dashboard (also the read-only public
// state for guarantors, observers and parties, who see what the service
// lets them see and no buttons they may not use).
//
// The dashboard draws what GET /sessions/{sid} returns: phase, round, the
// agenda with the open unit, the current text, what the session awaits,
// the answers and vetoes with their rulings, concerns, and the analysis of
// the disclosed profiles (frontier, solutions, fairness and power metrics).
// The gated actions are buttons enabled only when the session awaits them;
// while a text is awaited, a form lets the mediator table its own.

import {h, add, clear, field, table, num, pretty, textList} from './dom.js';
import * as api from './api.js';
import {announce, attempt} from './notify.js';
import {MEDIATOR_ACTIONS, awaitsAction, awaitedText, ended, liveView, staleBar} from './live.js';
import {frontierSvg} from './plot.js';
import {eventLog} from './events.js';

const PRIVATE_FIELDS = ['utility', 'weights', 'values', 'red_lines', 'reservation'];

// The public part of a scenario: every party's private fields removed, as
// the service requires (a profile reaches the mediator only in confidence).
export function publicScenario(sc) {
    const copy = JSON.parse(JSON.stringify(sc));
    for (const p of copy.parties || []) {
        for (const f of PRIVATE_FIELDS) delete p[f];
    }
    return copy;
}

export async function renderSessions({main}) {
    const list = h('div', {id: 'session-list'});
    async function load() {
        const data = await attempt('Loading sessions', () => api.get('/sessions'));
        clear(list);
        const rows = (data && data.sessions) || [];
        if (!rows.length) {
            list.appendChild(h('p', {}, 'No sessions yet.'));
            return;
        }
        list.appendChild(table('Sessions', ['Session', 'Name', 'Phase'], rows.map((r) => [
            h('a', {href: `#/session/${encodeURIComponent(r.id)}`}, r.id), r.name || '', r.phase || '',
        ]), {id: 'sessions-table'}));
    }

    const idIn = h('input', {id: 'new-id', name: 'id', required: true, pattern: '[A-Za-z0-9._\\-]{1,64}'});
    const scIn = h('textarea', {id: 'new-scenario', name: 'scenario', rows: 12, required: true, spellcheck: 'false'});
    const rulesIn = h('textarea', {id: 'new-rules', name: 'rules', rows: 4, spellcheck: 'false'});
    const seedIn = h('input', {id: 'new-seed', name: 'seed', type: 'number', min: 0, step: 1});
    const fileIn = h('input', {id: 'new-file', type: 'file', accept: '.json,application/json', on: {change: async () => {
        const f = fileIn.files[0];
        if (f) scIn.value = await f.text();
    }}});
    const strip = h('button', {type: 'button', id: 'strip-private', on: {click: () => attempt('Removing private fields', async () => {
        let sc;
        try {
            sc = JSON.parse(scIn.value);
        } catch (e) {
            throw new api.ApiError(400, {error: {status: 'PARLEY_ESYNTAX', message: `the scenario is not JSON: ${e.message}`}});
        }
        scIn.value = JSON.stringify(publicScenario(sc), null, 2);
        announce('Private fields removed: weights, values, red lines and reservations.');
    })}}, 'Remove private fields');

    const form = h('form', {id: 'create-form', on: {submit: (ev) => {
        ev.preventDefault();
        attempt('Creating the session', async () => {
            const body = {id: idIn.value.trim()};
            body.scenario = parseJson(scIn.value, '$.scenario');
            if (rulesIn.value.trim()) body.rules = parseJson(rulesIn.value, '$.rules');
            if (seedIn.value !== '') body.seed = Number(seedIn.value);
            const r = await api.write('POST', '/sessions', body);
            announce(`Session ${r.id} created.`);
            location.hash = `#/session/${encodeURIComponent(r.id)}`;
        });
    }}},
    h('fieldset', {},
        h('legend', {}, 'Create a session'),
        field('Session id', idIn, 'Letters, digits, dot, underscore, hyphen; up to 64.'),
        field('Scenario (JSON, public part only)', scIn,
            'Parties without weights, values, red lines or reservation: each party gives its profile in confidence.'),
        field('Or load the scenario from a file', fileIn),
        h('p', {}, strip),
        field('Rules (JSON, optional)', rulesIn, 'Empty: the scenario\'s rules or the defaults.'),
        field('Seed (optional)', seedIn),
        h('button', {type: 'submit', id: 'create-submit'}, 'Create session')));

    add(main, h('h1', {}, 'Sessions'), list, form);
    await load();
    return null;
}

// JSON typed by the user, refused with the path it was meant for.
function parseJson(text, path) {
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new api.ApiError(400, {error: {status: 'PARLEY_ESYNTAX', message: 'not valid JSON',
            diagnostics: [{path, message: e.message}]}});
    }
}

// Tokens issued during this page's life, per session: shown once, kept
// across redraws so a refresh does not hide one before it was copied.
const issued = new Map();

function participantsOf(st) {
    const list = st.participants || st.parties || (st.scenario && st.scenario.parties) || [];
    return list.map((p) => (typeof p === 'string' ? {id: p} : p)).filter((p) => p && p.id);
}

function invitations(sid, st, refresh) {
    const mine = issued.get(sid) || [];
    const parts = participantsOf(st);
    const actorIn = h('input', {id: 'invite-actor', name: 'actor', required: true, list: 'invite-actors',
        on: {change: () => {
            const p = parts.find((q) => q.id === actorIn.value);
            if (p && p.role) roleIn.value = p.role;
        }}});
    const roleIn = h('select', {id: 'invite-role', name: 'role'},
        ['party', 'guarantor', 'monitor', 'observer'].map((r) => h('option', {value: r}, r)));
    const out = h('ul', {id: 'tokens', class: 'tokens'}, mine.map((t) => tokenItem(t)));
    return h('section', {'aria-labelledby': 'inv-h'},
        h('h2', {id: 'inv-h'}, 'Invitations'),
        h('form', {id: 'invite-form', on: {submit: (ev) => {
            ev.preventDefault();
            attempt('Issuing the invitation', async () => {
                const r = await api.write('POST', `/sessions/${api.enc(sid)}/invitations`,
                    {actor: actorIn.value.trim(), role: roleIn.value});
                mine.push(r);
                issued.set(sid, mine);
                out.appendChild(tokenItem(r));
                announce(`Token issued for ${r.actor}. It is shown only once: copy it now.`);
                actorIn.value = '';
                actorIn.focus();
            });
        }}},
        h('datalist', {id: 'invite-actors'}, parts.map((p) => h('option', {value: p.id}, p.role || ''))),
        h('fieldset', {class: 'inline'},
            h('legend', {}, 'Invite a participant'),
            field('Actor id', actorIn),
            field('Role', roleIn),
            h('button', {type: 'submit', id: 'invite-submit'}, 'Issue token'))),
        mine.length ? null : h('p', {class: 'hint'},
            'A token is shown once. Issuing a new one for the same actor revokes the old one.'),
        out);
}

function tokenItem(t) {
    const code = h('code', {class: 'token', 'data-actor': t.actor}, t.token);
    const btn = h('button', {type: 'button', class: 'copy', 'aria-label': `Copy the token of ${t.actor}`,
        on: {click: async () => {
            try {
                await navigator.clipboard.writeText(t.token);
                announce(`Token of ${t.actor} copied.`);
            } catch {
                // No clipboard access (insecure context, permission): select
                // the text so the user can copy it with the keyboard.
                const r = document.createRange();
                r.selectNodeContents(code);
                const sel = window.getSelection();
                sel.removeAllRanges();
                sel.addRange(r);
                announce('Token selected: copy it with Ctrl+C.');
            }
        }}}, 'Copy');
    return h('li', {}, h('span', {class: 'actor'}, `${t.actor} (${t.role})`), ' ', code, ' ', btn);
}

// Who takes part, with power, and (for the mediator, before the start)
// whose profile is in.
function participants(st) {
    const list = participantsOf(st);
    if (!list.length) return null;
    const inSet = st.profiles_in ? new Set(st.profiles_in) : null;
    const headers = ['Participant', 'Role', 'Power'].concat(inSet ? ['Profile'] : []);
    return h('section', {'aria-labelledby': 'part-h'},
        h('h2', {id: 'part-h'}, 'Participants'),
        table(null, headers, list.map((p) => [p.id, p.role || '', p.role === 'party' ? num(p.power) : '\u2013']
            .concat(inSet ? [p.role !== 'party' ? '\u2013' : inSet.has(p.id) ? 'given' : 'awaited'] : [])),
        {id: 'participants-table'}));
}

function actions(sid, st, refresh) {
    const over = ended(st);
    return h('section', {'aria-labelledby': 'act-h'},
        h('h2', {id: 'act-h'}, 'Actions'),
        h('p', {class: 'hint'}, 'Each button is enabled only when the session awaits that step.'),
        h('div', {class: 'buttons', role: 'group', 'aria-label': 'Session actions'},
            MEDIATOR_ACTIONS.map(([action, route, label]) => h('button', {
                type: 'button', id: `act-${action}`, 'data-action': action,
                disabled: over || !awaitsAction(st, action),
                on: {click: async () => {
                    const r = await attempt(label, () => api.write('POST', `/sessions/${api.enc(sid)}/${route}`, {}));
                    if (r) {
                        announce(`${label}: done.`);
                        await refresh(true);
                    }
                }},
            }, label))));
}

// While the session awaits "propose": the mediator may table the engine's
// suggestion or a text of its own.  One select per open issue, its options
// and the preselected suggestion from the state's "proposal" (labels as the
// public scenario spells them); the issues outside the unit keep their
// values.  A form, so that choices survive the page's refreshes.
function proposeForm(sid, st, refresh) {
    const prop = st.proposal;
    if (ended(st) || !awaitsAction(st, 'propose') || !prop || !prop.open_issues) return null;
    const selects = prop.open_issues.map((issue) => h('select', {id: `propose-${issue}`, name: issue},
        (prop.options[issue] || []).map((label) => h('option', {value: label, selected: label === prop.suggested[issue]}, label))));
    const table = async (label, body) => {
        const r = await attempt(label, () => api.write('POST', `/sessions/${api.enc(sid)}/texts`, body));
        if (r) {
            announce(`${label}: done.`);
            await refresh(true);
        }
    };
    const form = h('form', {id: 'propose-form', on: {submit: (ev) => {
        ev.preventDefault();
        const text = {};
        prop.open_issues.forEach((issue, i) => { text[issue] = selects[i].value; });
        table('Table this text', {text});
    }}},
        h('fieldset', {},
            h('legend', {}, 'Propose a text'),
            h('p', {class: 'hint', id: 'propose-hint'}, 'Each open issue is preset to the suggested text; change any of them to table a text of your own. The other issues keep their values.'),
            prop.open_issues.map((issue, i) => field(issue, selects[i])),
            h('div', {class: 'buttons'},
                h('button', {type: 'button', id: 'propose-suggested', on: {click: () => table('Table the suggested text', {})}}, 'Table the suggested text'),
                h('button', {type: 'submit', id: 'propose-own'}, 'Table this text'))));
    form.setAttribute('aria-describedby', 'propose-hint');
    return form;
}

// The agenda as the state carries it: the units in order with their
// issues and status (pending, open, settled, parked).
function agenda(st) {
    const units = st.agenda ? st.agenda.units : null;
    if (!units || !units.length) return h('p', {id: 'agenda'}, 'The agenda is set once every profile is in and the session starts.');
    return h('ol', {class: 'agenda', id: 'agenda'}, units.map((u) => {
        const open = u.status === 'open';
        const status = u.status === 'settled' && u.settled_as ? u.settled_as : (u.status === 'open' ? '' : u.status);
        return h('li', {class: open ? 'open' : null, 'aria-current': open ? 'step' : null, 'data-unit': u.cluster},
            h('strong', {}, u.cluster), open ? ' (open)' : '',
            status ? ` \u2013 ${status}` : '',
            u.issues ? h('span', {class: 'issues'}, `: ${u.issues.join(', ')}`) : null,
            u.conflict !== undefined ? h('span', {class: 'hint'}, ` (conflict ${num(u.conflict)}, joint gain ${num(u.joint_gain)})`) : null);
    }));
}

function counts(st) {
    const c = st.counts;
    if (!c) return null;
    return h('p', {id: 'counts', class: 'counts'},
        `Last published count: ${c.accept} accept, ${c.object} object, ${c.veto} veto`,
        c.pilot ? ' (straw poll)' : '', ` (round ${c.round})`);
}

// The answers and concessions in for the open round: `inputs_this_round`
// ({party, action, round, body}) or a plain list of answers.
function answers(st) {
    let list = st.inputs_this_round || st.answers;
    if (!list) return null;
    if (!Array.isArray(list)) list = Object.entries(list).map(([party, a]) => Object.assign({party}, a));
    const rows = list.map((a) => {
        const b = a.body || a;
        const isConcession = a.action === 'concede' || b.aspiration !== undefined;
        return {party: a.party, round: a.round, kind: isConcession ? 'concession' : (b.kind || b.answer || ''),
            detail: isConcession ? `aspiration ${num(b.aspiration)}`
                : [(b.issues || []).join(', '), b.ground ? `ground ${b.ground}` : '', b.text_round ? `text of round ${b.text_round}` : '']
                    .filter(Boolean).join('; '),
            reason: b.reason || ''};
    });
    const nAnswers = rows.filter((r) => r.kind !== 'concession').length;
    return h('section', {'aria-labelledby': 'ans-h'},
        h('h2', {id: 'ans-h'}, `Answers in (${nAnswers})`),
        rows.length ? table(null, ['Party', 'Round', 'Answer', 'Issues, ground', 'Reason'], rows.map((r) => [
            r.party, num(r.round), r.kind, r.detail, r.reason,
        ]), {id: 'answers-table'}) : h('p', {id: 'answers-none'}, 'No answer yet this round.'));
}

function vetoes(st) {
    const list = st.vetoes;
    if (!list) return null;
    return h('section', {'aria-labelledby': 'veto-h'},
        h('h2', {id: 'veto-h'}, 'Vetoes and rulings'),
        list.length ? table(null, ['Party', 'Round', 'Ground', 'Text of round', 'Ruling', 'Why', 'Budget left'], list.map((v) => {
            const upheld = v.upheld !== undefined ? v.upheld : v.valid;
            return [v.party, num(v.round), v.ground || '', num(v.text_round),
                upheld === undefined ? 'pending' : h('span', {class: upheld ? 'ok' : 'bad'}, upheld ? 'valid (upheld)' : 'refused'),
                v.reason || '', num(v.budget_left)];
        }), {id: 'vetoes-table'}) : h('p', {}, 'No veto so far.'));
}

function concerns(st) {
    const list = st.concerns;
    if (!list) return null;
    return h('section', {'aria-labelledby': 'con-h'},
        h('h2', {id: 'con-h'}, 'Private concerns'),
        list.length ? h('ul', {}, list.map((c) => h('li', {},
            h('strong', {}, c.party || ''), c.round !== undefined ? ` (round ${c.round})` : '', ': ', c.text || ''))) :
            h('p', {}, 'None received.'));
}

// Chosen axes survive redraws.
const axes = new Map();

// The utility of the current text per party, when the service gives it.
function currentUtility(st) {
    return st.utilities || st.text_utility || (st.text_metrics && st.text_metrics.utility) ||
        (st.current && st.current.utility) || null;
}

function analysis(sid, st) {
    const a = st.analysis;
    if (!a) return null;
    const parties = (a.parties || []).map((p) => p.id);
    const sols = a.solutions || [];
    const sec = h('section', {'aria-labelledby': 'an-h', id: 'analysis'},
        h('h2', {id: 'an-h'}, 'Analysis of the disclosed profiles'),
        h('p', {class: 'hint'}, 'Computed from what the parties told the mediator in confidence; gains are measured from each party\'s declared reservation.'));
    if (parties.length >= 2) {
        const chosen = axes.get(sid) || [parties[0], parties[1]];
        const xs = h('select', {id: 'axis-x'}, parties.map((p) => h('option', {value: p, selected: p === chosen[0]}, p)));
        const ys = h('select', {id: 'axis-y'}, parties.map((p) => h('option', {value: p, selected: p === chosen[1]}, p)));
        const holder = h('div', {class: 'plot'});
        const reservation = {};
        for (const p of a.parties) reservation[p.id] = p.reservation;
        const draw = () => {
            axes.set(sid, [xs.value, ys.value]);
            clear(holder).appendChild(frontierSvg({
                points: (a.frontier && a.frontier.points) || [], solutions: sols,
                current: currentUtility(st), reservation, x: xs.value, y: ys.value,
            }));
        };
        xs.addEventListener('change', draw);
        ys.addEventListener('change', draw);
        add(sec, h('fieldset', {class: 'inline'}, h('legend', {}, 'Frontier projected on two parties'),
            field('Horizontal axis', xs), field('Vertical axis', ys)), holder);
        draw();
        if (a.frontier) {
            sec.appendChild(h('p', {}, `${num(a.frontier.vectors)} distinct utility vectors, ${num(a.frontier.packages)} efficient packages` +
                (a.frontier.exact === false ? ` (approximate, within ${num(a.frontier.delta)})` : '') +
                (a.feasible && a.feasible.exact ? `; ${num(a.feasible.count)} feasible packages.` : '.')));
        }
    }
    const found = sols.filter((x) => x.found && x.metrics);
    if (found.length) {
        sec.appendChild(table('Fairness and power by solution concept',
            ['Concept', 'Efficiency', 'Min normalized gain', 'Gini', 'Power skew', 'Offset'],
            found.map((x) => [x.concept === 'power_nash' ? 'power_nash (raw power)' : x.concept,
                num(x.metrics.efficiency), num(x.metrics.min_normalized_gain), num(x.metrics.gini),
                num(x.metrics.power_skew), num(x.metrics.offset)]), {id: 'metrics-table'}));
        sec.appendChild(h('p', {class: 'hint'},
            'Power skew: power-weighted minus plain mean of normalized gains (above 0: the outcome follows power). ' +
            'Offset: the share of power_nash\'s skew a package removes.'));
        sec.appendChild(table('Utility by solution concept', ['Concept'].concat(parties),
            found.map((x) => [x.concept].concat(parties.map((p) => num(x.metrics.utility[p])))), {id: 'utility-table'}));
    }
    for (const x of sols.filter((q) => !q.found)) {
        sec.appendChild(h('p', {}, `${x.concept}: not found (${x.why || 'no feasible package'}).`));
    }
    return sec;
}

export async function renderDashboard(ctx) {
    const {main, me, sid} = ctx;
    const path = `/sessions/${api.enc(sid)}`;
    const isMediator = !!me.mediator;
    const log = eventLog(sid);
    let view = null;
    // The state (with the agenda, the open unit and the counts) and the
    // events after the last seen, fetched together.
    const load = async () => {
        const st = await api.get(path);
        await log.fetchNew().catch(() => 0);
        return {st, n: log.events.length};
    };
    const draw = ({st}) => {
        const open = st.open_issues || [];
        clear(main);
        add(main,
            h('h1', {}, isMediator ? `Session ${sid}` : `Session ${sid}: public state`),
            staleBar(view.refresh),
            h('p', {class: 'summary', id: 'phase'},
                'Phase: ', h('strong', {'data-phase': st.phase}, st.phase || '?'),
                st.round !== undefined ? `, round ${st.round}` : '',
                st.deadline ? ` of at most ${st.deadline}` : '',
                st.name ? ` \u2013 ${st.name}` : ''),
            h('p', {class: 'awaits', id: 'awaits', tabindex: -1}, awaitedText(st)),
            isMediator ? actions(sid, st, view.refresh) : null,
            isMediator ? proposeForm(sid, st, view.refresh) : null,
            h('section', {'aria-labelledby': 'agenda-h'}, h('h2', {id: 'agenda-h'}, 'Agenda'), agenda(st)),
            h('section', {'aria-labelledby': 'text-h'},
                h('h2', {id: 'text-h'}, st.outcome === 'agreement' ? 'The agreement'
                    : st.pilot ? 'Current text (straw poll, not binding)' : 'Current text'),
                st.text && st.text_round ? h('p', {}, `Tabled in round ${st.text_round}${st.text_pending ? ', answers pending' : ''}.`,
                    open.length ? ' The open unit\'s issues are marked.' : '') : null,
                textList(st.text, open),
                counts(st)),
            answers(st), vetoes(st), concerns(st),
            participants(st),
            isMediator ? invitations(sid, st, view.refresh) : null,
            analysis(sid, st),
            log.node,
            h('details', {}, h('summary', {}, 'The state as JSON'), pretty(st)));
        log.redraw();
    };
    view = liveView({load, draw, awaitedOf: ({st}) => awaitedText(st)});
    const ok = await attempt('Loading the session', () => view.refresh(true).then(() => true));
    if (!ok) {
        view.stop();
        add(main, h('h1', {}, `Session ${sid}`), h('p', {}, 'The session could not be loaded.'));
        return null;
    }
    return view.stop;
}
