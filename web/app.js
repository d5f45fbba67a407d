// app.js - sign-in, the principal, and hash routing to the views.
//
// The token decides everything: GET /api/v1/me says whether it is the
// mediator's (service-wide) or an actor's in one session, with a role; the
// views shown and the links in the navigation follow from that.  Routes:
//   #/login                 sign in with a token
//   #/sessions              mediator: the session list, create a session
//   #/session/SID           the session: the mediator's dashboard, or the
//                           public state for guarantors and observers
//   #/party/SID             a party's own view
//   #/monitor/SID           implementation monitoring
//   #/ledger                the signed ledger and its verification

import {h, add, clear} from './dom.js';
import * as api from './api.js';
import {announce, showError, clearError, clearStale} from './notify.js';
import {renderSessions, renderDashboard} from './mediator.js';
import {renderParty} from './party.js';
import {renderMonitor} from './monitor.js';
import {renderLedger} from './ledger.js';

const main = document.getElementById('main');
let me = null;
let stopView = null;

function home(p) {
    if (!p) return '#/login';
    if (p.mediator) return '#/sessions';
    if (p.role === 'party') return `#/party/${p.session}`;
    if (p.role === 'monitor') return `#/monitor/${p.session}`;
    return `#/session/${p.session}`;
}

function navLinks(p, sid) {
    const links = [];
    if (p.mediator) {
        links.push(['#/sessions', 'Sessions']);
        if (sid) {
            links.push([`#/session/${sid}`, 'Dashboard']);
            links.push([`#/monitor/${sid}`, 'Monitoring']);
        }
    } else {
        if (p.role === 'party') links.push([`#/party/${p.session}`, 'My position']);
        links.push([`#/session/${p.session}`, 'Session']);
        links.push([`#/monitor/${p.session}`, 'Monitoring']);
    }
    links.push(['#/ledger', 'Ledger']);
    return links;
}

function renderChrome(sid) {
    const nav = clear(document.getElementById('nav'));
    const who = clear(document.getElementById('who'));
    if (!me) return;
    const here = location.hash;
    nav.appendChild(h('ul', {}, navLinks(me, sid).map(([href, label]) =>
        h('li', {}, h('a', {href, 'aria-current': here === href ? 'page' : null}, label)))));
    add(who, 
        me.mediator ? `${me.actor} (mediator)` : `${me.actor} (${me.role}, session ${me.session})`,
        ' ',
        h('button', {type: 'button', id: 'signout', on: {click: signOut}}, 'Sign out'));
}

function signOut() {
    api.setToken(null);
    me = null;
    announce('Signed out.');
    location.hash = '#/login';
}

function renderLogin() {
    const input = h('input', {id: 'token', name: 'token', type: 'password', autocomplete: 'off',
        spellcheck: 'false', required: true, pattern: 'plt_[A-Za-z0-9_\\-]{43}',
        'aria-describedby': 'token-hint'});
    const form = h('form', {id: 'login-form', on: {submit: async (ev) => {
        ev.preventDefault();
        api.setToken(input.value.trim());
        try {
            me = await api.get('/me');
            clearError();
            announce(`Signed in as ${me.actor}.`);
            location.hash = home(me);
        } catch (e) {
            api.setToken(null);
            showError(e, 'Sign-in');
            input.focus();
        }
    }}},
    h('h1', {}, 'Sign in'),
    h('div', {class: 'field'},
        h('label', {for: 'token'}, 'Access token'),
        input,
        h('p', {class: 'hint', id: 'token-hint'},
            'The token you were given: "plt_" and 43 more characters. It is kept in this tab only.')),
    h('button', {type: 'submit'}, 'Sign in'));
    main.appendChild(form);
    input.focus();
}

async function route() {
    if (stopView) { stopView(); stopView = null; }
    const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    const [view, sid] = parts;
    clear(main);
    clearStale();
    clearError();
    if (!api.getToken()) {
        me = null;
        renderChrome(null);
        renderLogin();
        return;
    }
    if (!me) {
        try {
            me = await api.get('/me');
        } catch (e) {
            api.setToken(null);
            showError(e, 'Sign-in');
            renderChrome(null);
            renderLogin();
            return;
        }
    }
    if (!view || view === 'login') {
        location.replace(home(me));
        return;
    }
    renderChrome(sid || (me.mediator ? null : me.session));
    const ctx = {me, main, sid};
    let stop = null;
    switch (view) {
    case 'sessions': stop = await renderSessions(ctx); break;
    case 'session': stop = await renderDashboard(ctx); break;
    case 'party': stop = await renderParty(ctx); break;
    case 'monitor': stop = await renderMonitor(ctx); break;
    case 'ledger': stop = await renderLedger(ctx); break;
    default:
        main.appendChild(h('h1', {}, 'Not found'));
        main.appendChild(h('p', {}, h('a', {href: home(me)}, 'Go to your start page')));
    }
    stopView = typeof stop === 'function' ? stop : null;
    // Move focus to the new page's heading so keyboard and screen-reader
    // users start at the top of what changed, as after a page load.
    const h1 = main.querySelector('h1');
    if (h1 && !main.contains(document.activeElement)) {
        h1.setAttribute('tabindex', '-1');
        h1.focus();
    }
}

// The skip link would change the hash, which is the route: move focus to
// the page instead.
document.querySelector('a.skip').addEventListener('click', (ev) => {
    ev.preventDefault();
    main.focus();
});

window.addEventListener('hashchange', route);
route();
