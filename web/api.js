// api.js - talking to parleyd: the token, requests, errors.
//
// The token lives in sessionStorage only: it is gone when the tab closes and
// other tabs do not share it, so one browser can hold a mediator tab and a
// party tab side by side.  Every write carries a fresh request_id, which the
// service uses to refuse replays (docs/openapi.json); a retried click is a new request
// on purpose only when the user clicks again.

const KEY = 'parley.token';
const BASE = '/api/v1';

export function getToken() {
    return sessionStorage.getItem(KEY);
}

export function setToken(t) {
    if (t) sessionStorage.setItem(KEY, t);
    else sessionStorage.removeItem(KEY);
}

// A request id unique per actor and session: a UUID where the browser has
// crypto.randomUUID (secure contexts), otherwise 128 random bits in hex.
export function requestId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// An error the service returned: its HTTP status, the library status
// (PARLEY_ESTATE, ...), its message and diagnostics with JSON paths.
export class ApiError extends Error {
    constructor(http, body, statusText) {
        const e = (body && body.error) || {};
        super(e.message || `the service answered HTTP ${http}${statusText ? ' ' + statusText : ''}`);
        this.http = http;
        this.status = e.status || '';
        this.diagnostics = Array.isArray(e.diagnostics) ? e.diagnostics : [];
    }
}

async function request(method, path, body) {
    const headers = {Accept: 'application/json'};
    const tok = getToken();
    if (tok) headers.Authorization = `Bearer ${tok}`;
    const init = {method, headers, cache: 'no-store'};
    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
    }
    let res;
    try {
        res = await fetch(BASE + path, init);
    } catch (e) {
        throw new ApiError(0, {error: {status: 'NETWORK', message: `the service did not answer (${e.message})`}});
    }
    const text = await res.text();
    let data = null;
    if (text) {
        try {
            data = JSON.parse(text);
        } catch {
            data = res.ok ? text : {error: {message: text.slice(0, 300)}};
        }
    }
    if (!res.ok) throw new ApiError(res.status, data, res.statusText);
    return data;
}

export function get(path) {
    return request('GET', path);
}

// A write: the body gets a new request_id.
export function write(method, path, body) {
    return request(method, path, Object.assign({}, body || {}, {request_id: requestId()}));
}

export const enc = encodeURIComponent;
