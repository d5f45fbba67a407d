// party.js - a party's own page: its private profile and the form that
// gives it to the mediator in confidence, the current text with its own
// utility, the answer form (accept / object naming issues / veto on a
// ground the rules allow / walk out), the concession form when the round
// asks for one, and the private channel for concerns.
//
// Everything here comes from GET /sessions/{sid}/view, which the service
// builds from the party's parley_view_t: only public data and the party's
// own.  Nothing on this page is another party's.

import {h, add, clear, field, table, num, pretty, textList} from './dom.js';
import * as api from './api.js';
import {announce, attempt} from './notify.js';
import {awaited, liveView, staleBar} from './live.js';
import {eventLog} from './events.js';

// What the view says the party is asked for now: "profile", "answer",
// "concede" or nothing.
function askedOf(v, me) {
    const a = v.asked;
    if (typeof a === 'string') return a;
    if (a && typeof a === 'object') return a.action || a.kind || a.what || null;
    const mine = awaited(v.state || v).find((x) => x.from.includes(me.actor));
    return mine ? mine.action : null;
}

// One object for the page from GET .../view ({party, asked, view, profile,
// concerns, public_scenario, rules}) and the session's public state (phase,
// current text, own utility): the view's text comes as option indices with
// labels beside them, and its open issues as scenario indices.
function normalize(raw, st) {
    const vw = raw.view || {};
    const sc = raw.public_scenario || {};
    const issues = Array.isArray(sc.issues) ? sc.issues : [];
    const idOf = (i) => (typeof i === 'number' ? (issues[i] && issues[i].id) : i);
    let text = vw.labels || (vw.text && !Array.isArray(vw.text) ? vw.text : null) || st.text || null;
    const open = (vw.open_issues || []).map(idOf).filter(Boolean);
    const asked = raw.asked;
    return Object.assign({}, vw, {
        text,
        open_issues: open,
        round: (asked && asked.round) || vw.round || st.round,
        text_round: vw.text_round || st.text_round,
        utility: vw.utility ?? st.utility,
        aspiration: vw.aspiration ?? st.aspiration,
        asked,
        profile: raw.profile,
        concerns: raw.concerns || [],
        public_scenario: sc,
        rules: raw.rules || sc.rules || {},
        phase: st.phase,
        ended: st.ended,
        state: st,
    });
}

function askedText(v, me) {
    const a = askedOf(v, me);
    if (v.ended) return `The session has ended: ${v.state.outcome || v.phase}.`;
    const phase = v.phase ? `Phase ${v.phase}. ` : '';
    switch (a) {
    case 'profile': return phase + 'You are asked for your profile.';
    case 'answer': return phase + `You are asked to answer the ${v.pilot ? 'straw poll' : 'text'} of round ${v.text_round || v.round}.`;
    case 'concede': case 'concession': return phase + 'You are asked whether you concede: give your new aspiration.';
    case null: case undefined: case '': return phase + 'Nothing is asked of you right now.';
    default: return phase + `You are asked for: ${a}.`;
    }
}

function issuesOf(v) {
    const sc = v.public_scenario || v.scenario || {};
    if (Array.isArray(sc.issues)) return sc.issues;
    if (Array.isArray(v.issues)) return v.issues.map((i) => (typeof i === 'string' ? {id: i} : i));
    return Object.keys(v.text || {}).map((id) => ({id}));
}

// A value function in words: a table of options, or the shape of a
// numeric one (scenario-format.md).
function valueFn(f) {
    if (!f) return '';
    const tab = f.table || f.values;
    if (tab) return Object.entries(tab).map(([k, x]) => `${k}: ${num(x)}`).join(', ');
    if (f.linear) return `${num(f.linear.offset)} + ${num(f.linear.slope)} \u00d7 (x \u2212 ${num(f.linear.origin)})`;
    if (f.piecewise) return 'through ' + f.piecewise.map(([a, b]) => `(${num(a)}, ${num(b)})`).join(', ');
    const {weight, ...rest} = f;
    void weight;
    return JSON.stringify(rest);
}

function redLine(r) {
    const v = Array.isArray(r.value) ? `[${r.value.join(', ')}]` : r.value;
    return `${r.issue} ${r.op} ${v}${r.note ? ` (${r.note})` : ''}`;
}

function profileView(p) {
    if (!p) return h('p', {id: 'profile-none'}, 'You have not given your profile yet.');
    const util = p.utility || {};
    const weights = p.weights || {};
    const ids = Object.keys(Object.keys(util).length ? util : weights);
    return h('div', {id: 'profile-view'},
        h('p', {}, `Reservation (your utility of no agreement): ${num(p.reservation)}`),
        ids.length ? table('Weights and values', ['Issue', 'Weight', 'Value of each option'], ids.map((i) => [
            i, num((util[i] && util[i].weight) ?? weights[i]), valueFn(util[i] || (p.values && p.values[i])),
        ]), {id: 'profile-table'}) : null,
        h('h3', {}, 'Red lines'),
        (p.red_lines || []).length ? h('ul', {}, p.red_lines.map((r) => h('li', {}, redLine(r)))) : h('p', {}, 'None.'));
}

// A starting point for the profile form: every issue with weight 0 and,
// for discrete issues, every option valued 0.
function template(issues) {
    const utility = {};
    for (const i of issues) {
        utility[i.id] = Array.isArray(i.options)
            ? {weight: 0, table: Object.fromEntries(i.options.map((o) => [typeof o === 'string' ? o : o.id, 0]))}
            : {weight: 0, linear: {offset: 0, slope: 0, origin: i.min ?? 0}};
    }
    return {reservation: 0, utility, red_lines: []};
}

function profileForm(sid, v, refresh) {
    const ta = h('textarea', {id: 'profile-json', rows: 12, spellcheck: 'false'},
        JSON.stringify(v.profile || template(issuesOf(v)), null, 2));
    return h('form', {id: 'profile-form', on: {submit: (ev) => {
        ev.preventDefault();
        attempt('Sending the profile', async () => {
            let profile;
            try {
                profile = JSON.parse(ta.value);
            } catch (e) {
                throw new api.ApiError(400, {error: {status: 'PARLEY_ESYNTAX', message: 'the profile is not valid JSON',
                    diagnostics: [{path: '$.profile', message: e.message}]}});
            }
            await api.write('PUT', `/sessions/${api.enc(sid)}/profile`, {profile});
            announce('Profile sent to the mediator in confidence.');
            await refresh(true);
        });
    }}},
    h('fieldset', {}, h('legend', {}, 'Give your profile (private channel)'),
        field('Profile (JSON: reservation, utility per issue with weight and values, red lines)', ta,
            'Only the mediator receives it; the ledger records its hash, never its content. It can be changed until the session starts.'),
        h('button', {type: 'submit', id: 'profile-submit'}, 'Send profile')));
}

// The party's last answer and, for a veto, its ruling: kept on the page
// (the live region only announces it).
const lastAnswer = new Map();

function lastAnswerView(sid) {
    const a = lastAnswer.get(sid);
    if (!a) return null;
    const r = a.ruling;
    return h('section', {'aria-labelledby': 'last-h', id: 'last-answer'},
        h('h2', {id: 'last-h'}, 'Your last answer'),
        h('p', {}, `Round ${a.round}: ${a.kind}`, a.issues && a.issues.length ? ` (${a.issues.join(', ')})` : '',
            a.ground ? `, ground ${a.ground.replace('_', ' ')}` : '', '.'),
        r ? h('p', {class: r.upheld ? 'ok' : 'bad'},
            `Veto ${r.upheld ? 'upheld' : 'refused'}: ${(r.reason || '').replace(/([^.])$/, '$1.')}`,
            r.budget_left !== undefined ? ` Vetoes you may still have upheld: ${r.budget_left}.` : '') : null);
}

function answerForm(sid, v, refresh) {
    const round = v.round;
    const openIssues = v.open_issues || Object.keys(v.text || {});
    const grounds = (v.rules && v.rules.veto && v.rules.veto.grounds) || ['red_line', 'reservation'];
    const kinds = [['accept', 'Accept'], ['object', 'Object (name the issues to change)'],
        ['veto', 'Veto (on a ground the rules allow)'], ['walkout', 'Walk out (ends the talks)']];
    const radios = kinds.map(([k, label]) => h('div', {class: 'check'},
        h('input', {type: 'radio', name: 'kind', id: `answer-${k}`, value: k, checked: k === 'accept'}),
        h('label', {for: `answer-${k}`}, label)));
    const issueBoxes = h('fieldset', {id: 'answer-issues'}, h('legend', {}, 'Issues you want changed (object, veto)'),
        openIssues.map((i) => h('div', {class: 'check'},
            h('input', {type: 'checkbox', name: 'issue', value: i, id: `issue-${i}`}),
            h('label', {for: `issue-${i}`}, i))));
    const ground = h('select', {id: 'answer-ground'}, grounds.map((g) => h('option', {value: g}, g.replace('_', ' '))));
    const textRound = h('input', {id: 'answer-text-round', type: 'number', min: 1, step: 1, value: v.text_round || round});
    const reason = h('input', {id: 'answer-reason', type: 'text', maxlength: 159});
    return h('form', {id: 'answer-form', on: {submit: (ev) => {
        ev.preventDefault();
        const form = ev.currentTarget;
        const kind = form.querySelector('input[name=kind]:checked').value;
        const body = {round, kind};
        if (kind === 'object' || kind === 'veto') {
            body.issues = Array.from(form.querySelectorAll('input[name=issue]:checked'), (c) => c.value);
        }
        if (kind === 'veto') {
            body.ground = ground.value;
            body.text_round = Number(textRound.value);
        }
        if (reason.value.trim()) body.reason = reason.value.trim();
        attempt('Sending the answer', async () => {
            const r = await api.write('POST', `/sessions/${api.enc(sid)}/answers`, body);
            const ruling = r && (r.ruling || r.veto_ruling);
            lastAnswer.set(sid, Object.assign({ruling}, body));
            announce(ruling ? `Veto ${ruling.upheld ? 'upheld' : 'refused'}: ${ruling.reason || ''}` : `Answer sent: ${kind}.`);
            await refresh(true);
        });
    }}},
    h('fieldset', {}, h('legend', {}, `Your answer to the ${v.pilot ? 'straw poll' : 'text'} of round ${v.text_round || round}`),
        h('fieldset', {class: 'kinds'}, h('legend', {}, 'Answer'), radios),
        issueBoxes,
        field('Ground of a veto', ground),
        field('Round of the text vetoed', textRound, 'A late veto names an older text, within the review window.'),
        field('Reason (optional, shown in the log)', reason),
        h('button', {type: 'submit', id: 'answer-submit'}, 'Send answer')));
}

function concedeForm(sid, v, refresh) {
    const asp = h('input', {id: 'concede-aspiration', type: 'number', min: 0, max: v.aspiration ?? 1, step: 'any',
        value: v.aspiration ?? ''});
    return h('form', {id: 'concede-form', on: {submit: (ev) => {
        ev.preventDefault();
        attempt('Sending the concession', async () => {
            await api.write('POST', `/sessions/${api.enc(sid)}/concessions`, {round: v.round, aspiration: Number(asp.value)});
            announce('Concession sent.');
            await refresh(true);
        });
    }}},
    h('fieldset', {}, h('legend', {}, 'Concession asked'),
        field('Your new aspiration (utility you still demand)', asp,
            `At most your present aspiration ${num(v.aspiration)}; the step is bounded by the rules. The same value means no concession.`),
        h('button', {type: 'submit', id: 'concede-submit'}, 'Send concession')));
}

function concernForm(sid, v, refresh) {
    const ta = h('textarea', {id: 'concern-text', rows: 3, maxlength: 1000});
    const mine = v.concerns || [];
    return h('section', {'aria-labelledby': 'concern-h'},
        h('h2', {id: 'concern-h'}, 'Private concerns to the mediator'),
        mine.length ? h('ul', {id: 'concern-list'}, mine.map((c) => h('li', {}, typeof c === 'string' ? c : c.text))) : null,
        h('form', {id: 'concern-form', on: {submit: (ev) => {
            ev.preventDefault();
            attempt('Sending the concern', async () => {
                await api.write('POST', `/sessions/${api.enc(sid)}/concerns`, {text: ta.value});
                announce('Concern sent; the mediator receives it at the next point it asks for concerns.');
                await refresh(true);
            });
        }}},
        field('Concern (seen by the mediator only)', ta),
        h('button', {type: 'submit', id: 'concern-submit'}, 'Send concern')));
}

export async function renderParty(ctx) {
    const {main, me, sid} = ctx;
    const path = `/sessions/${api.enc(sid)}`;
    const log = eventLog(sid);
    let view = null;
    const load = async () => {
        const [raw, st] = await Promise.all([api.get(`${path}/view`), api.get(path)]);
        await log.fetchNew().catch(() => 0);
        return normalize(raw, st);
    };
    const draw = (v) => {
        clear(main);
        const asked = askedOf(v, me);
        const util = v.utility;
        add(main, 
            h('h1', {}, `Your position: ${me.actor}`),
            staleBar(view.refresh),
            h('p', {class: 'awaits', id: 'asked', tabindex: -1}, askedText(v, me)),
            h('section', {'aria-labelledby': 'text-h'},
                h('h2', {id: 'text-h'}, v.pilot ? 'Current text (straw poll, not binding)' : 'Current text'),
                v.text ? h('p', {id: 'own-utility'},
                    `Your utility of this text: ${num(util)}`,
                    v.guarantee_bonus ? ` (plus ${num(v.guarantee_bonus)} from guarantees)` : '',
                    v.profile && v.profile.reservation !== undefined ? `; your reservation ${num(v.profile.reservation)}` : '',
                    v.aspiration !== undefined ? `; your aspiration ${num(v.aspiration)}` : '') : null,
                textList(v.text, v.open_issues),
                typeof v.n_accept === 'number' && v.n_accept >= 0 ? h('p', {}, `Last round: ${v.n_accept} accept, ${v.n_object} object, ${v.n_veto} veto.`) : null),
            asked === 'answer' ? answerForm(sid, v, view.refresh) : null,
            lastAnswerView(sid),
            asked === 'concede' || asked === 'concession' ? concedeForm(sid, v, view.refresh) : null,
            h('section', {'aria-labelledby': 'profile-h'},
                h('h2', {id: 'profile-h'}, 'Your private profile'),
                profileView(v.profile),
                asked === 'profile' || !v.phase || v.phase === 'setup' || v.phase === 'disclosure'
                    ? profileForm(sid, v, view.refresh) : null),
            concernForm(sid, v, view.refresh),
            log.node,
            h('details', {}, h('summary', {}, 'Your view as JSON'), pretty(v)));
        log.redraw();
    };
    view = liveView({load, draw, awaitedOf: (v) => askedText(v, me)});
    const ok = await attempt('Loading your view', () => view.refresh(true).then(() => true));
    if (!ok) {
        view.stop();
        add(main, h('h1', {}, `Session ${sid}`), h('p', {}, 'Your view could not be loaded.'));
        return null;
    }
    return view.stop;
}
