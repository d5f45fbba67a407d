// lib.mjs - what the end-to-end tests share: a real parleyd on a free port
// with a database of its own, a headless Chromium with a fresh profile per
// browser context, calls to the API as a participant, screenshots, and a
// small runner that counts passes and failures.

import {spawn, execFileSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {chromium} from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// Chromium must neither reach out nor need a GPU or a sandbox (CI runs as
// root in a container); every context gets a new, empty profile.
const CHROME_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const {port} = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts parleyd over a new database in a temporary directory: first
// `--mediator ID` for the mediator's token, then the service itself.
export async function startServer({parleyd, web, mediator = 'mediator'}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-e2e-'));
    const db = path.join(dir, 'parley.db');
    // Actors' keys go to the default key directory under XDG_DATA_HOME:
    // inside the temporary directory, never the user's own.
    const env = Object.assign({}, process.env, {XDG_DATA_HOME: path.join(dir, 'xdg')});
    const out = execFileSync(parleyd, ['--db', db, '--mediator', mediator], {encoding: 'utf8', env});
    const m = out.match(/plt_[A-Za-z0-9_-]{43}/);
    if (!m) throw new Error(`parleyd --mediator printed no token: ${out}`);
    const port = await freePort();
    const log = fs.openSync(path.join(dir, 'parleyd.log'), 'w');
    const child = spawn(parleyd, ['--db', db, '--listen', `127.0.0.1:${port}`, '--web', web],
        {stdio: ['ignore', log, log], env});
    let exited = null;
    child.on('exit', (code, sig) => { exited = {code, sig}; });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
        if (exited) break;
        try {
            const r = await fetch(`${base}/api/v1/health`);
            if (r.ok) break;
        } catch { /* not listening yet */ }
        await sleep(100);
    }
    if (exited) throw new Error(`parleyd exited at start (${JSON.stringify(exited)}): ${fs.readFileSync(path.join(dir, 'parleyd.log'), 'utf8')}`);
    return {
        base, token: m[0], dir,
        logText: () => fs.readFileSync(path.join(dir, 'parleyd.log'), 'utf8'),
        async stop() {
            if (!exited) {
                child.kill('SIGTERM');
                for (let i = 0; i < 50 && !exited; i++) await sleep(100);
                if (!exited) child.kill('SIGKILL');
            }
            fs.rmSync(dir, {recursive: true, force: true});
        },
    };
}

let rid = 0;
// A call to the API as the holder of `token`; writes get a request_id.
// Returns {status, body}; never throws on an HTTP error.
export async function call(base, token, method, route, body) {
    const headers = {Accept: 'application/json'};
    if (token) headers.Authorization = `Bearer ${token}`;
    const init = {method, headers};
    if (body !== undefined) {
        rid += 1;
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(Object.assign({request_id: `e2e-${process.pid}-${rid}`}, body));
    }
    const r = await fetch(`${base}/api/v1${route}`, init);
    const text = await r.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
    return {status: r.status, body: parsed};
}

// A browser context of its own (separate Chromium profile directory, so
// separate sessionStorage): the mediator and a party sign in side by side.
export async function newBrowser(name) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `parley-chromium-${name}-`));
    const ctx = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM, headless: true, args: CHROME_ARGS,
        viewport: {width: 1280, height: 900},
    });
    const page = ctx.pages()[0] || await ctx.newPage();
    const problems = [];
    // Script errors and Content-Security-Policy refusals fail the test that
    // was running: the interface must run under 'self' only.
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
        if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    return {
        ctx, page, problems,
        async close() {
            await ctx.close();
            fs.rmSync(dir, {recursive: true, force: true});
        },
    };
}

export function artifactsDir() {
    const d = path.resolve(process.env.E2E_ARTIFACTS || 'build/e2e-artifacts');
    fs.mkdirSync(d, {recursive: true});
    return d;
}

export async function shot(page, name) {
    const file = path.join(artifactsDir(), `${name}.png`);
    await page.screenshot({path: file, fullPage: true});
    return file;
}

export function assert(cond, msg) {
    if (!cond) throw new Error(`assertion failed: ${msg}`);
}

// Tests run in order and share state (a session moves forward); a failure
// is counted and the next test still runs, unless it depends on one that
// failed (it is then counted as failed too, saying why).
// onFail(name) runs after a failure (the tests save screenshots there).
export function runner(onFail) {
    const results = [];
    const failed = new Set();
    return {
        async test(name, deps, fn) {
            const missing = deps.filter((d) => failed.has(d) || !results.some((r) => r.name === d));
            if (missing.length) {
                failed.add(name);
                results.push({name, ok: false});
                console.log(`not ok - ${name}: skipped, needs ${missing.join(', ')}`);
                return;
            }
            const t0 = Date.now();
            try {
                await fn();
                results.push({name, ok: true});
                console.log(`ok - ${name} (${Date.now() - t0} ms)`);
            } catch (e) {
                failed.add(name);
                results.push({name, ok: false});
                console.log(`not ok - ${name}: ${e.stack || e}`);
                if (onFail) await onFail(name).catch(() => {});
            }
        },
        summary() {
            const passed = results.filter((r) => r.ok).length;
            const nfail = results.length - passed;
            console.log(`e2e: ${passed} passed, ${nfail} failed`);
            return nfail === 0 ? 0 : 1;
        },
    };
}
