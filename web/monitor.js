// monitor.js - the implementation of an agreement (docs/monitoring.md):
// each commitment with its PAM timeline (0..3, disputed, breached), the
// overdue and disputed flags, the guarantees' states, the consequences, and
// the report form for those who may file one (the owner's self-report, a
// monitor's report, the verifier's verification).

import {h, add, clear, field, table, num, pretty} from './dom.js';
import * as api from './api.js';
import {announce, attempt} from './notify.js';
import {liveView, staleBar} from './live.js';
import {pamTimelineSvg, PAM_LABEL} from './plot.js';

// A PAM status name, or null for a period nobody reported.
function pam(x) {
    return x && x !== 'none' ? x : null;
}

// One commitment as `parley monitor status --json` writes it (the
// service's monitoring read is the same text), with a period nobody
// reported as null.
function normalizeCommitment(c) {
    const periods = (c.periods || []).map((p) => Object.assign({}, p, {
        self: pam(p.self), monitor: pam(p.monitor), verification: pam(p.verification), status: pam(p.status),
    }));
    return Object.assign({}, c, {periods, current: pam(c.current)});
}

// The ends of a commitment's reporting periods that can be reported on as
// of a day (those ended by then), and the next one: period k ends k times
// period_months after the start, the day clamped to the month's length,
// the last being the first on or after the due day (docs/monitoring.md).
export function periodEnds(c, asOf) {
    const [y, m, d] = (c.start || '').split('-').map(Number);
    const every = c.period_months;
    const out = [];
    if (!y || !every) return out;
    const pad = (x) => String(x).padStart(2, '0');
    for (let k = 1; k <= 1200; k++) {
        const mm = m - 1 + k * every;
        const year = y + Math.floor(mm / 12);
        const month = mm % 12;
        const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
        const end = `${year}-${pad(month + 1)}-${pad(Math.min(d, last))}`;
        out.push(end);
        if (end >= c.due || !asOf || end > asOf) break;
    }
    return out;
}

function flags(c) {
    const f = [];
    if (c.overdue) f.push(h('span', {class: 'flag overdue'}, 'overdue'));
    if (c.disputed) f.push(h('span', {class: 'flag disputed'}, 'disputed'));
    if (c.breached) f.push(h('span', {class: 'flag breached'}, 'breached'));
    if (c.missing_self_reports) f.push(h('span', {class: 'flag missing'}, `${c.missing_self_reports} self-reports missing`));
    return f.length ? f : ['none'];
}

function bench(b) {
    if (!b) return '';
    if (b.kind !== 'numeric') return 'deliverable';
    return b.cmp ? `${b.cmp} ${num(b.target)} ${b.unit || ''}`.trim() : 'numeric';
}

function commitment(c) {
    return h('article', {class: 'commitment', id: `commitment-${c.id}`, 'aria-labelledby': `c-${c.id}-h`},
        h('h3', {id: `c-${c.id}-h`}, `${c.id}: ${c.what || ''}`),
        h('p', {}, `Owner ${c.owner}, verifier ${c.verifier}; issue ${c.issue}${c.cluster ? ` (${c.cluster})` : ''}; ` +
            `benchmark ${bench(c.benchmark)}; ${c.start} to ${c.due}` +
            (c.period_months ? `, every ${c.period_months} months` : '') +
            (c.guarantee ? `; backs ${c.guarantee}` : '') + '.'),
        h('p', {}, 'Now: ', h('strong', {}, c.current ? PAM_LABEL[c.current] || c.current : 'not reported'), '. Flags: ', flags(c)),
        c.periods.length ? pamTimelineSvg(c) : h('p', {class: 'timeline-none'},
            `No reporting period has ended yet (status as of ${c.asOf || 'today'}).`),
        (c.periods || []).length ? table(`Reports on ${c.id}`, ['Period', 'Self', 'Monitor', 'Verification', 'Counts', 'Value'],
            c.periods.map((p) => [p.period, p.self || '\u2013', p.monitor || '\u2013', p.verification || '\u2013',
                p.status ? PAM_LABEL[p.status] || p.status : '\u2013', num(p.value)]), {class: 'periods'}) : null);
}

// The sources the signed-in actor may file for a commitment: the owner a
// self-report, the verifier a verification, a monitor (or the mediator) a
// monitor's report, never on its own commitment.
function sourcesFor(me, c) {
    if (me.mediator) return ['monitor'];
    const out = [];
    if (c.owner === me.actor) out.push('self');
    if (c.verifier === me.actor) out.push('verification');
    if (me.role === 'monitor' && c.owner !== me.actor) out.push('monitor');
    return out;
}

// The mediator writes the agreement's commitments (monitor.h
// parley_commitment_spec_t, by name).
function commitmentForm(sid, st, refresh) {
    const issues = Object.keys((st.text && typeof st.text === 'object') ? st.text
        : (() => { try { return JSON.parse(st.text || '{}'); } catch { return {}; } })());
    const id = h('input', {id: 'cm-id', required: true, pattern: '[A-Za-z0-9._\\-]{1,64}'});
    const issue = h('select', {id: 'cm-issue'}, issues.map((i) => h('option', {value: i}, i)));
    const owner = h('input', {id: 'cm-owner', required: true});
    const what = h('input', {id: 'cm-what', required: true});
    const bench = h('select', {id: 'cm-bench'}, h('option', {value: 'numeric'}, 'numeric'), h('option', {value: 'deliverable'}, 'deliverable'));
    const cmp = h('select', {id: 'cm-cmp'}, ['>=', '>', '=', '<=', '<'].map((c) => h('option', {value: c}, c)));
    const target = h('input', {id: 'cm-target', type: 'number', step: 'any'});
    const unit = h('input', {id: 'cm-unit'});
    const start = h('input', {id: 'cm-start', type: 'date'});
    const due = h('input', {id: 'cm-due', type: 'date', required: true});
    const every = h('input', {id: 'cm-every', type: 'number', min: 1, max: 120, step: 1, value: 3, required: true});
    const verifier = h('input', {id: 'cm-verifier', required: true});
    const guarantee = h('select', {id: 'cm-guarantee'}, h('option', {value: ''}, 'none'),
        (st.guarantees || []).map((g) => h('option', {value: g.id}, g.id)));
    const core = h('input', {id: 'cm-core', type: 'checkbox'});
    const numeric = h('div', {class: 'inline-fields'}, field('Comparator', cmp), field('Target', target), field('Unit', unit));
    bench.addEventListener('change', () => { numeric.hidden = bench.value !== 'numeric'; });
    return h('form', {id: 'commitment-form', on: {submit: (ev) => {
        ev.preventDefault();
        const body = {id: id.value.trim(), issue: issue.value, owner: owner.value.trim(), what: what.value.trim(),
            bench: bench.value, due: due.value, period_months: Number(every.value), verifier: verifier.value.trim()};
        if (bench.value === 'numeric') Object.assign(body, {cmp: cmp.value, target: Number(target.value), unit: unit.value.trim()});
        if (start.value) body.start = start.value;
        if (guarantee.value) body.guarantee = guarantee.value;
        if (core.checked) body.core = true;
        attempt('Adding the commitment', async () => {
            await api.write('POST', `/sessions/${api.enc(sid)}/commitments`, body);
            announce(`Commitment ${body.id} added.`);
            await refresh(true);
        });
    }}},
    h('fieldset', {}, h('legend', {}, 'Add a commitment'),
        field('Id', id), field('Issue it implements', issue), field('Owner (a party or guarantor)', owner),
        field('What must be done', what), field('Benchmark', bench), numeric,
        field('Start (empty: the day of agreement)', start), field('Due', due),
        field('Reporting period, months', every), field('Verifier (not the owner)', verifier),
        field('Backs guarantee', guarantee),
        h('div', {class: 'check'}, core, h('label', {for: 'cm-core'}, 'Core commitment (its issue stays locked in a review)')),
        h('button', {type: 'submit', id: 'commitment-submit'}, 'Add commitment')));
}

function reportForm(sid, me, st, refresh) {
    const cs = st.commitments || [];
    const mayFile = cs.filter((c) => sourcesFor(me, c).length);
    if (!mayFile.length) return null;
    const cSel = h('select', {id: 'report-commitment'}, mayFile.map((c) => h('option', {value: c.id}, c.id)));
    const srcSel = h('select', {id: 'report-source'});
    const period = h('input', {id: 'report-period', required: true, pattern: '\\d{4}-\\d{2}-\\d{2}', placeholder: 'YYYY-MM-DD', list: 'report-periods'});
    const periods = h('datalist', {id: 'report-periods'});
    const status = h('select', {id: 'report-status'},
        Object.entries(PAM_LABEL).map(([k, label]) => h('option', {value: k}, label)));
    const value = h('input', {id: 'report-value', type: 'number', step: 'any'});
    const note = h('input', {id: 'report-note', type: 'text'});
    const sync = () => {
        const c = cs.find((x) => x.id === cSel.value);
        clear(srcSel).append(...sourcesFor(me, c).map((s) => h('option', {value: s},
            s === 'self' ? 'self-report (owner)' : s === 'verification' ? 'verification (verifier)' : 'monitor\'s report')));
        clear(periods).append(...periodEnds(c, st.as_of).map((p) => h('option', {value: p})));
        value.disabled = !(c.benchmark && c.benchmark.kind === 'numeric');
    };
    cSel.addEventListener('change', sync);
    sync();
    return h('form', {id: 'report-form', on: {submit: (ev) => {
        ev.preventDefault();
        const body = {commitment: cSel.value, source: srcSel.value, period: period.value.trim(), status: status.value};
        if (!value.disabled && value.value !== '') body.value = Number(value.value);
        if (note.value.trim()) body.note = note.value.trim();
        attempt('Filing the report', async () => {
            await api.write('POST', `/sessions/${api.enc(sid)}/reports`, body);
            announce(`Report on ${body.commitment} for ${body.period} filed.`);
            await refresh(true);
        });
    }}},
    h('fieldset', {}, h('legend', {}, 'File a report'),
        field('Commitment', cSel), field('As', srcSel),
        field('Period (the end of one of its reporting periods)', period), periods,
        field('Status (Peace Accords Matrix)', status),
        field('Measured value (numeric benchmarks)', value), field('Note (optional)', note),
        h('button', {type: 'submit', id: 'report-submit'}, 'File report')));
}

export async function renderMonitor(ctx) {
    const {main, me, sid} = ctx;
    const path = `/sessions/${api.enc(sid)}/monitoring`;
    // The day the status is read as of: empty for today (the service's).
    let asOf = '';
    let view = null;
    const asOfForm = () => {
        const day = h('input', {id: 'as-of', type: 'date', value: asOf});
        return h('form', {id: 'as-of-form', on: {submit: (ev) => {
            ev.preventDefault();
            asOf = day.value;
            attempt('Reading the status', () => view.refresh(true));
        }}}, field('Status as of (empty: today)', day), h('button', {type: 'submit', id: 'as-of-submit'}, 'Show'));
    };
    const draw = (st) => {
        clear(main);
        if (st.monitored === false) {
            add(main, h('h1', {}, `Monitoring: ${sid}`), h('p', {id: 'monitor-none'},
                'Nothing to monitor yet: monitoring starts when the mediator records the agreement.'));
            return;
        }
        const cs = (st.commitments || []).map((c) => Object.assign(normalizeCommitment(c), {asOf: st.as_of}));
        const gs = st.guarantees || [];
        const ks = st.consequences || [];
        add(main, 
            h('h1', {}, `Monitoring: ${st.agreement || sid}`),
            staleBar(view.refresh),
            asOfForm(),
            h('p', {id: 'monitor-summary'}, `Agreed on ${st.agreed_on || '?'}; status as of ${st.as_of || '?'}; ` +
                `${cs.length} commitments, ${cs.filter((c) => c.overdue).length} overdue, ` +
                `${cs.filter((c) => c.disputed).length} disputed, ${cs.filter((c) => c.breached).length} breached.`),
            h('section', {'aria-labelledby': 'cm-h'}, h('h2', {id: 'cm-h'}, 'Commitments'),
                h('p', {class: 'hint'}, 'Colours: 0 red, 1 orange, 2 yellow, 3 green, disputed lilac (D), breached black (B), white not reported.'),
                cs.length ? cs.map(commitment) : h('p', {}, 'No commitment recorded yet.')),
            h('section', {'aria-labelledby': 'gu-h'}, h('h2', {id: 'gu-h'}, 'Guarantees'),
                gs.length ? table(null, ['Guarantee', 'Guarantor', 'Beneficiary', 'Criteria', 'State', 'Streak', 'Backing', 'Benefit'],
                    gs.map((g) => [g.id, g.guarantor, g.beneficiary, g.criteria || '\u2013', h('span', {class: `state ${g.state}`}, g.state),
                        `${num(g.streak)} of ${num(st.periods_required)}`, num(g.backing), g.suspended ? 'suspended' : 'in force']),
                {id: 'guarantees-table'}) : h('p', {}, 'No guarantee applies.')),
            ks.length ? h('section', {'aria-labelledby': 'cq-h'}, h('h2', {id: 'cq-h'}, 'Consequences'),
                table(null, ['Consequence', 'On', 'Kind', 'Trigger', 'Applied'], ks.map((k) => [k.id, `${k.on.kind} ${k.on.id}`, k.kind,
                    `${k.trigger.kind}${k.trigger.threshold ? ':' + k.trigger.threshold : ''}`,
                    k.applied ? `${k.by ? `by ${k.by} ` : ''}as of ${k.as_of}` : 'not yet']))) : null,
            reportForm(sid, me, Object.assign({}, st, {commitments: cs}), view.refresh),
            me.mediator ? commitmentForm(sid, st, view.refresh) : null,
            h('details', {}, h('summary', {}, 'The status as JSON'), pretty(st)));
    };
    view = liveView({load: () => api.get(asOf ? `${path}?as_of=${encodeURIComponent(asOf)}` : path), draw, ms: 8000});
    try {
        await view.refresh(true);
    } catch (e) {
        view.stop();
        add(main, h('h1', {}, `Monitoring: ${sid}`), h('p', {id: 'monitor-none'},
            e.http === 404 || e.status === 'PARLEY_ESTATE' || e.status === 'PARLEY_ENOTFOUND'
                ? 'Nothing to monitor yet: monitoring starts when the agreement is recorded.'
                : `The monitoring status could not be loaded: ${e.message} (${e.status}).`));
        return null;
    }
    return view.stop;
}
