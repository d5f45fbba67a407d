// run.mjs - end-to-end tests of the web interface against a real parleyd.
//
//   node run.mjs PARLEYD [SOURCE_DIR]
//
// A mediator signs in, creates a session from the public part of
// examples/river-basin.json, invites the participants and drives the
// session through the dashboard; a party signs in in another browser and
// answers with the keyboard alone; the dashboard shows the answer; the
// session is then run to agreement through the API, and the monitoring and
// ledger pages are checked.  Screenshots go to $E2E_ARTIFACTS (default
// build/e2e-artifacts).  Prints one line per test and "e2e: N passed, M
// failed"; exits 0 only when nothing failed.

import fs from 'node:fs';
import path from 'node:path';
import {startServer, call, newBrowser, shot, assert, runner, artifactsDir} from './lib.mjs';

const parleyd = process.argv[2];
const root = path.resolve(process.argv[3] || '.');
if (!parleyd) {
    console.error('usage: node run.mjs PARLEYD [SOURCE_DIR]');
    process.exit(2);
}
const scenario = JSON.parse(fs.readFileSync(path.join(root, 'examples/river-basin.json'), 'utf8'));
const PRIVATE = ['utility', 'reservation', 'red_lines'];
const SID = 'saro';
// No straw polls or working groups: the first text after opening a unit is
// a binding one put to every party, which keeps the flow short.
const RULES = {pilots: false, working_groups: {enabled: false}};
const T = 20000; // ms to wait for what the page polls for

// Pictures of an earlier run would be mistaken for this one's.
for (const f of fs.readdirSync(artifactsDir())) {
    if (/^(\d\d-|failed-).*\.png$/.test(f)) fs.rmSync(path.join(artifactsDir(), f));
}
const server = await startServer({parleyd, web: path.join(root, 'web')});
const tokens = {};
let med = null;
let party = null;
// A failed test leaves pictures of every open page, to see what it saw.
const r = runner(async (name) => {
    const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
    if (med) await shot(med.page, `failed-${slug}-mediator`);
    if (party) await shot(party.page, `failed-${slug}-party`);
});
const PARTY = 'lowen';
const VETOER = 'dunmarsh';
const OBSERVER = 'press';
const CONCERN = 'our dredging budget depends on the fill period';

// What the state awaits, as [{action, from}], whatever shape it takes.
function awaitsOf(st) {
    const raw = st && (st.awaits !== undefined ? st.awaits : st.awaiting);
    const list = raw === null || raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    return list.map((a) => (typeof a === 'string' ? {action: a, from: []}
        : {action: a.action || a.kind || a.what, round: a.round, from: [].concat(a.from || a.who || a.parties || a.party || [])}));
}

// The end of reporting period k of a commitment starting on `day`: k
// months on, the day clamped to the month's length (docs/monitoring.md).
function addMonths(day, k) {
    const [y, m, d] = day.split('-').map(Number);
    const mm = m - 1 + k;
    const year = y + Math.floor(mm / 12);
    const month = mm % 12;
    const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    const pad = (x) => String(x).padStart(2, '0');
    return `${year}-${pad(month + 1)}-${pad(Math.min(d, last))}`;
}

// Waits until the element's text matches; returns that text (a live
// region may change again right after).
async function waitText(page, selector, re, timeout = T) {
    const handle = await page.waitForFunction(([s, src]) => {
        const el = document.querySelector(s);
        return el && new RegExp(src).test(el.textContent) ? el.textContent : false;
    }, [selector, re.source], {timeout});
    return handle.jsonValue();
}

async function noProblems(b) {
    const p = b.problems.splice(0);
    assert(p.length === 0, `no script error or CSP refusal in the page: ${p.join(' | ')}`);
}

try {
    await r.test('static files: index, modules and styles are served, with no inline script', [], async () => {
        const res = await fetch(`${server.base}/`);
        assert(res.status === 200, `GET / is 200, got ${res.status}`);
        const html = await res.text();
        assert(/<script type="module" src="\/ui\/app\.js">/.test(html), 'index loads /ui/app.js as a module');
        assert(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), 'no inline <script>');
        assert(!/\son[a-z]+=/.test(html), 'no inline event handler');
        for (const f of ['app.js', 'api.js', 'dom.js', 'live.js', 'mediator.js', 'party.js', 'monitor.js', 'ledger.js', 'events.js', 'plot.js', 'notify.js', 'style.css']) {
            const g = await fetch(`${server.base}/ui/${f}`);
            assert(g.status === 200, `GET /ui/${f} is 200, got ${g.status}`);
            const body = await g.text();
            assert(!/\beval\(|new Function\(|\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write/.test(body),
                `${f} uses neither eval, Function nor HTML strings`);
        }
    });

    await r.test('sign-in with an unknown token shows the service\'s error', [], async () => {
        med = await newBrowser('mediator');
        const {page} = med;
        await page.goto(`${server.base}/`);
        await page.waitForSelector('#token:focus');
        await page.keyboard.type(`plt_${'A'.repeat(43)}`);
        await page.keyboard.press('Enter');
        await page.waitForSelector('#errors .error');
        const err = await page.textContent('#errors');
        assert(/Sign-in failed/.test(err) && /HTTP 401|PARLEY_|token/i.test(err), `error shown: ${err}`);
        assert(await page.evaluate(() => sessionStorage.getItem('parley.token')) === null, 'a refused token is not kept');
        await shot(page, '01-login-refused');
        await noProblems(med);
    });

    await r.test('mediator signs in with the keyboard and sees the session list', ['sign-in with an unknown token shows the service\'s error'], async () => {
        const {page} = med;
        await page.fill('#token', '');
        await page.focus('#token');
        await page.keyboard.type(server.token);
        await page.keyboard.press('Enter');
        await page.waitForSelector('h1:text("Sessions")');
        assert(/mediator/.test(await page.textContent('#who')), 'the header names the mediator');
        assert(await page.evaluate(() => sessionStorage.getItem('parley.token')) !== null, 'token kept in sessionStorage');
        assert(await page.evaluate(() => localStorage.length) === 0, 'nothing in localStorage');
        await noProblems(med);
    });

    await r.test('pictures and readings in the page: frontier coordinates, PAM colours, awaited text', ['mediator signs in with the keyboard and sees the session list'], async () => {
        const {page} = med;
        const got = await page.evaluate(async () => {
            const plot = await import('/ui/plot.js');
            const live = await import('/ui/live.js');
            const svg = plot.frontierSvg({
                points: [{utility: {a: 0.5, b: 0.25}}, {utility: {a: 1, b: 0}}],
                solutions: [{concept: 'power_nash', found: true, metrics: {utility: {a: 0, b: 1}}},
                    {concept: 'nash', found: false}],
                current: {a: 0.25, b: 0.5}, reservation: {a: 0.5, b: 0.25}, x: 'a', y: 'b',
            });
            const pts = Array.from(svg.querySelectorAll('circle.frontier-point'), (c) => [c.getAttribute('cx'), c.getAttribute('cy')]);
            const pn = svg.querySelector('g[data-concept="power_nash"] path').getAttribute('d');
            const res = Array.from(svg.querySelectorAll('line.reservation'), (l) => [l.getAttribute('x1'), l.getAttribute('y1')]);
            const tl = plot.pamTimelineSvg({id: 'c', periods: [
                {period: '2027-01-01', status: 'not_begun'}, {period: '2027-04-01', status: 'full'},
                {period: '2027-07-01', status: 'disputed'}, {period: '2027-10-01', status: 'breached'},
                {period: '2028-01-01', status: null}]});
            const cells = Array.from(tl.querySelectorAll('rect.pam-cell'), (r) => r.getAttribute('fill'));
            const marks = Array.from(tl.querySelectorAll('text.pam-mark'), (x) => x.textContent);
            const aw = live.awaitedText({phase: 'round', awaiting: [{from: 'x', action: 'answer', round: 2},
                {from: 'y', action: 'answer', round: 2}, {from: 'mediator', action: 'close_round'}]});
            return {pts, pn, res, cells, marks, aw, desc: svg.querySelector('desc').textContent};
        });
        // Plot area x: 52 + 552 u; y: 414 - 398 u (620 x 460, margins 52/16/16/46).
        assert(JSON.stringify(got.pts) === JSON.stringify([['328', '314.5'], ['604', '414']]), `frontier points at ${JSON.stringify(got.pts)}`);
        assert(got.pn === 'M52 8L60 16L52 24L44 16Z', `power_nash diamond at (0, 1): ${got.pn}`);
        assert(JSON.stringify(got.res) === JSON.stringify([['328', '414'], ['52', '314.5']]), `reservation lines: ${JSON.stringify(got.res)}`);
        assert(/current text at \(0\.25, 0\.50\)/.test(got.desc) && !/nash at/.test(got.desc.replace('power_nash at', '')), `description: ${got.desc}`);
        assert(JSON.stringify(got.cells) === JSON.stringify(['#d73027', '#1a9850', '#9e9ac8', '#252525', '#ffffff']), `PAM colours: ${got.cells}`);
        assert(JSON.stringify(got.marks) === JSON.stringify(['0', '3', 'D', 'B']), `PAM marks: ${got.marks}`);
        assert(got.aw === 'The session awaits answers from x, y; the mediator to close the round.', `awaited: ${got.aw}`);
        await noProblems(med);
    });

    await r.test('mediator creates the session from the public part of river-basin.json', ['mediator signs in with the keyboard and sees the session list'], async () => {
        const {page} = med;
        await page.fill('#new-id', SID);
        await page.fill('#new-scenario', JSON.stringify(scenario, null, 2));
        await page.click('#strip-private');
        const sc = JSON.parse(await page.inputValue('#new-scenario'));
        for (const p of sc.parties) for (const f of PRIVATE) assert(!(f in p), `${p.id}.${f} removed`);
        assert(sc.issues.length === scenario.issues.length && sc.guarantees.length === scenario.guarantees.length, 'public part kept');
        await page.fill('#new-rules', JSON.stringify(RULES));
        await page.fill('#new-seed', '7');
        await page.click('#create-submit');
        await page.waitForSelector(`h1:text("Session ${SID}")`);
        await waitText(page, '#phase', /setup|disclosure/i);
        await waitText(page, '#awaits', /profile/i);
        assert(await page.isDisabled('#act-start'), 'start is disabled while profiles are missing');
        await page.goto(`${server.base}/#/sessions`);
        await page.waitForSelector(`#sessions-table a:text("${SID}")`);
        await page.click(`#sessions-table a:text("${SID}")`);
        await page.waitForSelector(`h1:text("Session ${SID}")`);
        await noProblems(med);
    });

    await r.test('mediator invites every participant and each token is shown once', ['mediator creates the session from the public part of river-basin.json'], async () => {
        const {page} = med;
        for (const p of scenario.parties.concat([{id: OBSERVER, role: 'observer'}])) {
            await page.fill('#invite-actor', p.id);
            await page.selectOption('#invite-role', p.role);
            await page.click('#invite-submit');
            const sel = `#tokens code.token[data-actor="${p.id}"]`;
            await page.waitForSelector(sel);
            tokens[p.id] = (await page.textContent(sel)).trim();
            assert(/^plt_[A-Za-z0-9_-]{43}$/.test(tokens[p.id]), `token of ${p.id} has the documented form`);
        }
        const me = await call(server.base, tokens[PARTY], 'GET', '/me');
        assert(me.status === 200 && me.body.actor === PARTY && me.body.role === 'party', `the party's token is its own: ${JSON.stringify(me.body)}`);
        await shot(page, '02-invitations');
        await page.reload();
        await page.waitForSelector(`h1:text("Session ${SID}")`);
        assert(await page.$$eval('#tokens code.token', (e) => e.length) === 0, 'tokens are not shown again after a reload');
        await noProblems(med);
    });

    await r.test('parties give their profiles (API) and the mediator starts the session', ['mediator invites every participant and each token is shown once'], async () => {
        const {page} = med;
        for (const p of scenario.parties.filter((q) => q.role === 'party')) {
            const profile = {utility: p.utility, reservation: p.reservation, red_lines: p.red_lines};
            const res = await call(server.base, tokens[p.id], 'PUT', `/sessions/${SID}/profile`, {profile});
            assert(res.status === 200 || res.status === 201, `profile of ${p.id}: ${res.status} ${JSON.stringify(res.body)}`);
        }
        await page.waitForSelector('#act-start:enabled', {timeout: T});
        await page.click('#act-start');
        await page.waitForSelector('#act-start:disabled', {timeout: T});
        await page.waitForSelector('#act-open_cluster:enabled', {timeout: T});
        await waitText(page, '#awaits', /open the next agenda unit/);
        await noProblems(med);
    });

    await r.test('mediator opens a unit and tables a text; the dashboard shows agenda, frontier and metrics', ['parties give their profiles (API) and the mediator starts the session'], async () => {
        const {page} = med;
        await page.click('#act-open_cluster');
        await page.waitForSelector('#agenda li.open', {timeout: T});
        // The agenda is the state's: the open unit marked, the others pending.
        const st0 = (await call(server.base, server.token, 'GET', `/sessions/${SID}`)).body;
        const openUnit = await page.getAttribute('#agenda li.open', 'data-unit');
        assert(openUnit === st0.open_unit && st0.agenda.units[0].cluster === openUnit && st0.open_issues.length > 0,
            `open unit ${openUnit}, state ${JSON.stringify([st0.open_unit, st0.open_issues])}`);
        const drawn = await page.$$eval('#agenda li', (e) => e.map((li) => li.getAttribute('data-unit')));
        assert(JSON.stringify(drawn) === JSON.stringify(st0.agenda.units.map((u) => u.cluster)), `agenda order ${drawn}`);
        assert(/pending/.test(await page.textContent('#agenda li:nth-child(2)')), 'the next unit is pending');
        await page.waitForSelector('#act-propose:enabled', {timeout: T});
        // The form for a text of the mediator's own: a labelled select per
        // open issue, preset to the suggestion.
        await page.waitForSelector('#propose-form fieldset legend', {timeout: T});
        const nSel = await page.$$eval('#propose-form select', (e) => e.length);
        assert(nSel === st0.open_issues.length, `${nSel} selects for ${st0.open_issues.length} open issues`);
        assert(await page.$$eval('#propose-form select', (e) => e.every((x) => document.querySelector(`label[for="${x.id}"]`))), 'every select has a label');
        await page.click('#act-propose');
        await waitText(page, '#awaits', /answers/);
        assert(await page.isDisabled('#act-propose'), 'propose is disabled while answers are awaited');
        await page.waitForSelector('dl.text dt');
        // The text is tabled (pending answers); the log shows the unit opened.
        await page.waitForSelector('#events-table tr[data-kind="cluster_open"]', {timeout: T});
        assert(/Tabled in round \d/.test(await page.textContent('#text-h + p')), 'the round the text was tabled in');
        await page.waitForSelector('svg.frontier', {timeout: T});
        assert(await page.$('svg.frontier g.solution-mark[data-concept="power_nash"]'), 'power_nash is marked on the frontier');
        assert(await page.$$eval('svg.frontier circle.frontier-point', (e) => e.length) > 0, 'frontier points drawn');
        const title1 = await page.textContent('svg.frontier title');
        // Change the vertical axis with the keyboard alone.
        await page.focus('#axis-y');
        await page.keyboard.press('ArrowDown');
        await page.waitForFunction((t) => document.querySelector('svg.frontier title').textContent !== t, title1);
        assert(/power skew/i.test(await page.textContent('#metrics-table')), 'metrics table with power skew');
        await shot(page, '03-dashboard-text-tabled');
        await noProblems(med);
    });

    await r.test('a party signs in in another browser and answers with the keyboard only', ['mediator opens a unit and tables a text; the dashboard shows agenda, frontier and metrics'], async () => {
        party = await newBrowser('party');
        const {page} = party;
        await page.goto(`${server.base}/`);
        await page.waitForSelector('#token:focus');
        await page.keyboard.type(tokens[PARTY]);
        await page.keyboard.press('Enter');
        await page.waitForSelector(`h1:text("Your position: ${PARTY}")`);
        await waitText(page, '#asked', /answer/);
        assert(/Your utility of this text: \d/.test(await page.textContent('#own-utility')), 'own utility shown');
        assert(await page.$('#profile-table'), 'own profile shown');
        await shot(page, '04-party-asked');
        // Tab to the answer kinds, choose "object" with the arrow key, tick the
        // first open issue with Space, give a reason, and send with Enter.
        const tabTo = async (pred, what) => {
            for (let i = 0; i < 80; i++) {
                await page.keyboard.press('Tab');
                if (await page.evaluate(pred)) return;
            }
            throw new Error(`Tab never reached ${what}`);
        };
        // Focus starts on the page's heading; Shift+Tab walks back through
        // the header in order to the skip link, the first stop, and Enter on
        // it moves focus to the page without changing the route.
        assert(await page.evaluate(() => document.activeElement.tagName) === 'H1', 'focus on the heading after sign-in');
        const back = [];
        for (let i = 0; i < 10 && !back.includes('skip'); i++) {
            await page.keyboard.press('Shift+Tab');
            back.push(await page.evaluate(() => {
                const a = document.activeElement;
                return a.classList.contains('skip') ? 'skip' : a.id || a.textContent.trim();
            }));
        }
        assert(back.join('|') === 'signout|Ledger|Monitoring|Session|My position|skip', `header tab order: ${back.join(' | ')}`);
        const hash = await page.evaluate(() => location.hash);
        await page.keyboard.press('Enter');
        assert(await page.evaluate(() => document.activeElement.id) === 'main' && await page.evaluate(() => location.hash) === hash,
            'the skip link focuses the page and keeps the route');
        await tabTo(() => document.activeElement.name === 'kind', 'the answer kinds');
        await page.keyboard.press('ArrowDown');
        assert(await page.isChecked('#answer-object'), 'ArrowDown selects object');
        await tabTo(() => document.activeElement.name === 'issue', 'the issues');
        const issue = await page.evaluate(() => document.activeElement.value);
        await page.keyboard.press('Space');
        await tabTo(() => document.activeElement.id === 'answer-reason', 'the reason');
        await page.keyboard.type('the flow is too low for our wetlands');
        await tabTo(() => document.activeElement.id === 'answer-submit', 'the send button');
        await page.keyboard.press('Enter');
        await waitText(page, '#live', /Answer sent: object/);
        await waitText(page, '#asked', /Nothing is asked of you|asked for/);
        // The answer is in, as sent (the round's events are committed when
        // the mediator closes it): the mediator's state lists it.
        const st = (await call(server.base, server.token, 'GET', `/sessions/${SID}`)).body;
        const mine = (st.inputs_this_round || []).filter((x) => x.party === PARTY && x.action === 'answer');
        assert(mine.length === 1 && mine[0].body.kind === 'object' && mine[0].body.issues.includes(issue) &&
            /wetlands/.test(mine[0].body.reason), `the object answer is in: ${JSON.stringify(mine)}`);
        await shot(page, '05-party-answered');
        await noProblems(party);
    });

    await r.test('the mediator\'s dashboard shows the answer and the awaited parties change', ['a party signs in in another browser and answers with the keyboard only'], async () => {
        const {page} = med;
        await page.waitForFunction((p) => {
            const t = document.querySelector('#answers-table');
            return t && t.textContent.includes(p);
        }, PARTY, {timeout: T});
        assert(/Answers in \(1\)/.test(await page.textContent('#ans-h')), 'one answer in');
        const aw = await page.textContent('#awaits');
        assert(/answers from/.test(aw) && !aw.includes(PARTY), `the party is no longer awaited: ${aw}`);
        await shot(page, '06-dashboard-answer-in');
        await noProblems(med);
    });

    await r.test('another party signs in after sign-out and vetoes; the ruling is announced and listed on the dashboard', ['the mediator\'s dashboard shows the answer and the awaited parties change'], async () => {
        const {page} = party;
        await page.click('#signout');
        await page.waitForSelector('#token:focus');
        assert(await page.evaluate(() => sessionStorage.getItem('parley.token')) === null, 'sign-out forgets the token');
        await page.keyboard.type(tokens[VETOER]);
        await page.keyboard.press('Enter');
        await page.waitForSelector(`h1:text("Your position: ${VETOER}")`);
        await waitText(page, '#asked', /answer/);
        const grounds = await page.$$eval('#answer-ground option', (o) => o.map((x) => x.value));
        assert(grounds.join() === 'red_line,reservation', `the rules' veto grounds offered: ${grounds}`);
        await page.check('#answer-veto');
        await page.selectOption('#answer-ground', 'red_line');
        await page.click('#answer-submit');
        // The text crosses none of its declared red lines: refused, with why.
        const said = await waitText(page, '#live', /Veto (refused|upheld): .+/);
        const kept = await waitText(page, '#last-answer', /Veto (refused|upheld): .+/);
        assert(/ground red line/.test(kept) && kept.includes(said.match(/Veto (refused|upheld)/)[0]), `the ruling stays on the page: ${kept}`);
        // A private concern through the form: the party sees it among its own.
        await page.fill('#concern-text', CONCERN);
        await page.click('#concern-submit');
        await page.waitForSelector(`#concern-list li:has-text("${CONCERN}")`, {timeout: T});
        await shot(page, '07-party-veto-ruling');
        const {page: mp} = med;
        await mp.waitForSelector(`#vetoes-table tr:has-text("${VETOER}")`, {timeout: T});
        const row = await mp.textContent(`#vetoes-table tr:has-text("${VETOER}")`);
        assert(/red_line/.test(row) && /(refused|valid)/.test(row), `ruling listed: ${row}`);
        assert(/refused/.test(said) === /refused/.test(row), `the party and the mediator see the same ruling: ${said} / ${row}`);
        await shot(mp, '08-dashboard-veto-ruling');
        await noProblems(party);
        await noProblems(med);
    });

    await r.test('the session runs to agreement (API, one concession through the form); the dashboard says so and lists the concern', ['another party signs in after sign-out and vetoes; the ruling is announced and listed on the dashboard'], async () => {
        const mediatorActions = {start: 'start', open_cluster: 'clusters', propose: 'texts', pilot: 'pilots', close_round: 'rounds/close', agree: 'agreement'};
        let st = null;
        // The first time the party in the second browser is asked to concede,
        // it does so in the form, sent with Enter from the number field.
        let concededInForm = false;
        const concedeInForm = async (round) => {
            const {page: pp} = party;
            await pp.waitForSelector('#concede-form', {timeout: T});
            const before = Number(await pp.inputValue('#concede-aspiration'));
            assert(before > 0 && before <= 1, `present aspiration offered: ${before}`);
            const to = Math.round((before - 0.05) * 1000) / 1000;
            await pp.fill('#concede-aspiration', String(to));
            await pp.press('#concede-aspiration', 'Enter');
            await waitText(pp, '#live', /Concession sent/);
            const s2 = (await call(server.base, server.token, 'GET', `/sessions/${SID}`)).body;
            const c = (s2.inputs_this_round || []).find((x) => x.party === VETOER && x.action === 'concede' && x.round === round);
            assert(c && Math.abs(c.body.aspiration - to) < 1e-9, `the concession is in as sent: ${JSON.stringify(s2.inputs_this_round)}`);
            await shot(pp, '09-party-concession');
        };
        // The first time a text is awaited over a unit with a choice, the
        // mediator tables a text of its own in the dashboard's form: one
        // option changed, sent with the keyboard.
        let ownText = false;
        const proposeInForm = async (prop) => {
            const {page} = med;
            const issue = prop.open_issues.find((i) => prop.options[i].length > 1);
            await page.waitForSelector(`#propose-form #propose-${issue}`, {timeout: T});
            assert(await page.inputValue(`#propose-${issue}`) === prop.suggested[issue], 'the suggestion is preselected');
            assert(await page.textContent(`label[for="propose-${issue}"]`) === issue, 'each select is labelled with its issue');
            const other = prop.options[issue].find((o) => o !== prop.suggested[issue]);
            await page.selectOption(`#propose-${issue}`, other);
            await page.focus('#propose-own');
            await page.keyboard.press('Enter');
            await waitText(page, '#live', /Table this text: done/);
            const s2 = (await call(server.base, server.token, 'GET', `/sessions/${SID}`)).body;
            assert(s2.text_pending && s2.text[issue] === other, `the mediator's text is tabled: ${JSON.stringify(s2.text)}`);
            for (const i of prop.open_issues) {
                if (i !== issue) assert(s2.text[i] === prop.suggested[i], `${i} kept the suggestion`);
            }
            await shot(page, '09b-dashboard-own-text');
        };
        for (let step = 0; step < 400; step++) {
            st = (await call(server.base, server.token, 'GET', `/sessions/${SID}`)).body;
            if (!ownText && st.proposal && st.proposal.open_issues.some((i) => st.proposal.options[i].length > 1)) {
                await proposeInForm(st.proposal);
                ownText = true;
                continue;
            }
            if (st.phase === 'agreement' && st.monitored !== false) {
                const aw = awaitsOf(st);
                if (!aw.some((a) => a.action === 'agree')) break;
            }
            if (st.phase === 'impasse') throw new Error(`impasse: ${JSON.stringify(st).slice(0, 400)}`);
            const aw = awaitsOf(st);
            assert(aw.length, `the session awaits something: ${JSON.stringify(st).slice(0, 600)}`);
            for (const a of aw) {
                if (mediatorActions[a.action]) {
                    const w = await call(server.base, server.token, 'POST', `/sessions/${SID}/${mediatorActions[a.action]}`, {});
                    assert(w.status < 300, `${a.action}: ${JSON.stringify(w.body)}`);
                } else {
                    for (const who of a.from) {
                        if (a.action === 'concede' && who === VETOER && !concededInForm) {
                            await concedeInForm(a.round);
                            concededInForm = true;
                            continue;
                        }
                        const v = (await call(server.base, tokens[who], 'GET', `/sessions/${SID}/view`)).body;
                        const vw = v.view || {};
                        const round = a.round ?? (v.asked && v.asked.round) ?? vw.round;
                        const route = a.action === 'answer' ? 'answers' : 'concessions';
                        // Everyone accepts; asked to concede, a party gives up
                        // the most the rules allow, so the talks move on.
                        const body = a.action === 'answer' ? {round, kind: 'accept'}
                            : {round, aspiration: Math.max(0, (vw.aspiration ?? 1) - 0.1)};
                        const w = await call(server.base, tokens[who], 'POST', `/sessions/${SID}/${route}`, body);
                        assert(w.status < 300, `${a.action} of ${who}: ${JSON.stringify(w.body)}`);
                    }
                }
            }
        }
        assert(st.phase === 'agreement', `agreement reached: ${st.phase}`);
        assert(concededInForm, 'the party was asked to concede at least once');
        assert(ownText, 'the mediator tabled a text of its own');
        assert((st.concerns || []).some((c) => c.party === VETOER && c.text === CONCERN), `the concern reached the mediator: ${JSON.stringify(st.concerns)}`);
        const {page} = med;
        await page.waitForSelector(`#con-h + ul li:has-text("${CONCERN}")`, {timeout: T});
        await waitText(page, '#phase', /agreement/i);
        await waitText(page, '#awaits', /ended: agreement/);
        assert(await page.$$eval('.buttons button[data-action]', (bs) => bs.every((b) => b.disabled)), 'every action button disabled at the end');
        await page.waitForSelector('#events-table tr[data-kind="agreement"]', {timeout: T});
        await shot(page, '10-dashboard-agreement');
        await noProblems(med);
    });

    await r.test('monitoring: commitments with their PAM timeline, guarantees, and a report filed in the form', ['the session runs to agreement (API, one concession through the form); the dashboard says so and lists the concern'], async () => {
        const mon = (await call(server.base, server.token, 'GET', `/sessions/${SID}/monitoring`)).body;
        const start = mon.agreed_on;
        assert(/^\d{4}-\d{2}-\d{2}$/.test(start || ''), `agreed_on given: ${JSON.stringify(mon).slice(0, 300)}`);
        // The mediator writes a commitment through the form.
        const {page} = med;
        await page.goto(`${server.base}/#/monitor/${SID}`);
        await page.waitForSelector('#commitment-form');
        await page.fill('#cm-id', 'flow');
        await page.selectOption('#cm-issue', 'min_flow');
        await page.fill('#cm-owner', 'highvale');
        await page.fill('#cm-what', 'release the agreed dry-season flow');
        await page.selectOption('#cm-cmp', '>=');
        await page.fill('#cm-target', '450');
        await page.fill('#cm-unit', 'm3/s');
        await page.fill('#cm-due', `${Number(start.slice(0, 4)) + 1}-12-31`);
        await page.fill('#cm-every', '3');
        await page.fill('#cm-verifier', 'saro_council');
        await page.selectOption('#cm-guarantee', 'flow_fund');
        await page.click('#commitment-submit');
        await page.waitForSelector('#commitment-flow', {timeout: T});
        assert(!(await page.textContent('#errors')).trim(), `commitment accepted: ${await page.textContent('#errors')}`);
        // One timeline cell per period the status lists (periods ended by
        // its day), or the note that none has ended yet.
        const after = (await call(server.base, server.token, 'GET', `/sessions/${SID}/monitoring`)).body;
        const flow = after.commitments.find((x) => x.id === 'flow');
        assert(flow && flow.owner === 'highvale' && flow.verifier === 'saro_council', `commitment stored: ${JSON.stringify(flow)}`);
        const cells = await page.$$eval('#commitment-flow svg.timeline rect.pam-cell', (e) => e.length);
        assert(cells === flow.periods.length, `${cells} timeline cells for ${flow.periods.length} periods`);
        if (!flow.periods.length) assert(await page.$('#commitment-flow .timeline-none'), 'no period ended: said so');
        assert(await page.$('#guarantees-table'), 'guarantees listed');
        assert(flow.benchmark.kind === 'numeric' && flow.benchmark.cmp === '>=' && flow.benchmark.target === 450 && flow.benchmark.unit === 'm3/s',
            `the benchmark as the CLI writes it: ${JSON.stringify(flow.benchmark)}`);
        assert(/benchmark >= 450 m3\/s/.test(await page.textContent('#commitment-flow')), 'the benchmark on the page');
        // The status as of a later day: the service reads it as of then.
        const later = addMonths(start, 7);
        await page.fill('#as-of', later);
        await page.click('#as-of-submit');
        await waitText(page, '#monitor-summary', new RegExp(`as of ${later}`));
        await shot(page, '11-monitoring');
        // The monitor signs in and files its report through the form.
        const m = await newBrowser('monitor');
        try {
            await m.page.goto(`${server.base}/`);
            await m.page.fill('#token', tokens.saro_council);
            await m.page.press('#token', 'Enter');
            await m.page.waitForSelector('h1:text("Monitoring")');
            await m.page.waitForSelector('#report-form');
            const sources = await m.page.$$eval('#report-source option', (o) => o.map((x) => x.value));
            assert(sources.includes('verification') && !sources.includes('self'), `the verifier may verify, not self-report: ${sources}`);
            const ends = await m.page.$$eval('#report-periods option', (o) => o.map((x) => x.value));
            assert(ends[0] === addMonths(start, 3), `the report form offers the period ends: ${ends}`);
            await m.page.selectOption('#report-source', 'monitor');
            await m.page.fill('#report-period', addMonths(start, 3));
            await m.page.selectOption('#report-status', 'intermediate');
            await m.page.fill('#report-value', '430');
            await m.page.click('#report-submit');
            await m.page.waitForFunction(() => /filed|failed/.test(document.querySelector('#live').textContent + document.querySelector('#errors').textContent), null, {timeout: T});
            const err = await m.page.textContent('#errors');
            assert(!err.trim(), `report accepted: ${err}`);
            const led = (await call(server.base, tokens.saro_council, 'GET', '/ledger?after=0&limit=1000')).body;
            const rep = led.entries.filter((e) => e.kind === 'report.monitor' && e.author.endsWith('saro_council'));
            assert(rep.length === 1 && JSON.parse(rep[0].payload).status !== undefined, `the report is in the ledger: ${JSON.stringify(rep)}`);
            await shot(m.page, '12-monitor-report');
            await noProblems(m);
        } finally {
            await m.close();
        }
        await noProblems(med);
    });

    await r.test('an observer sees the public state only: no actions, invitations, analysis, answers or concerns', ['monitoring: commitments with their PAM timeline, guarantees, and a report filed in the form'], async () => {
        const o = await newBrowser('observer');
        try {
            const {page} = o;
            await page.goto(`${server.base}/`);
            await page.fill('#token', tokens[OBSERVER]);
            await page.press('#token', 'Enter');
            await page.waitForSelector(`h1:text("Session ${SID}: public state")`);
            await waitText(page, '#awaits', /ended: agreement/);
            for (const sel of ['#act-start', '#invite-form', '#analysis', '#answers-table', '#con-h', '#vetoes-table']) {
                assert(!(await page.$(sel)), `an observer's page has no ${sel}`);
            }
            const nav = await page.$$eval('#nav a', (as) => as.map((a) => a.textContent));
            assert(nav.join() === 'Session,Monitoring,Ledger', `an observer's links: ${nav}`);
            await page.waitForSelector('#events-table tr[data-kind="agreement"]', {timeout: T});
            const vis = await page.$$eval('#events-table tbody tr td:nth-child(4)', (tds) => tds.map((x) => x.textContent));
            assert(vis.length > 0 && vis.every((x) => x === 'public'), `an observer's log holds public events only: ${[...new Set(vis)]}`);
            await shot(page, '13-observer');
            await noProblems(o);
        } finally {
            await o.close();
        }
    });

    await r.test('ledger: entries paged, every one verified', ['mediator signs in with the keyboard and sees the session list'], async () => {
        const {page} = med;
        await page.goto(`${server.base}/#/ledger`);
        await waitText(page, '#ledger-status', /Ledger verified: \d+ entries/);
        await page.waitForSelector('#ledger-table tbody tr');
        const rows = await page.$$eval('#ledger-table tbody tr', (trs) => trs.map((t) => t.children[4].textContent));
        assert(rows.length > 0 && rows.every((x) => x === 'verified'), `every entry on the page verified: ${rows}`);
        const hashes = await page.$$eval('#ledger-table tbody code', (c) => c.map((x) => x.textContent));
        assert(hashes.every((x) => /^[0-9a-f]{12}$/.test(x)), `hash prefixes: ${hashes.slice(0, 3)}`);
        const first = await page.textContent('#ledger-range');
        assert(await page.isDisabled('#ledger-prev'), 'no previous page on page 1');
        if (!(await page.isDisabled('#ledger-next'))) {
            await page.focus('#ledger-next');
            await page.keyboard.press('Enter');
            await page.waitForFunction((f) => document.querySelector('#ledger-range').textContent !== f, first);
            assert(!(await page.isDisabled('#ledger-prev')), 'previous page enabled on page 2');
        }
        await shot(page, '14-ledger');
        await noProblems(med);
    });
    await r.test('creating a session with private fields is refused with their JSON path', ['mediator signs in with the keyboard and sees the session list'], async () => {
        const {page} = med;
        await page.goto(`${server.base}/#/sessions`);
        await page.waitForSelector('#create-form');
        await page.fill('#new-id', `${SID}-private`);
        await page.fill('#new-scenario', JSON.stringify(scenario, null, 2));
        await page.click('#create-submit');
        await page.waitForSelector('#errors .error');
        const err = await page.textContent('#errors');
        assert(/PARLEY_EINVALID|PARLEY_EUNKNOWN/.test(err), `status shown: ${err}`);
        const paths = await page.$$eval('#errors code.path', (els) => els.map((e) => e.textContent));
        assert(paths.some((p) => /parties/.test(p)), `a diagnostic path into $.scenario.parties: ${paths}`);
        await shot(page, '15-create-refused');
        await noProblems(med);
    });

} finally {
    if (party) await party.close();
    if (med) await med.close();
    const failedLog = server.logText();
    await server.stop();
    const code = r.summary();
    console.log(`screenshots in ${artifactsDir()}`);
    if (code !== 0) console.log(`parleyd log:\n${failedLog.slice(-4000)}`);
    process.exitCode = code;
}
