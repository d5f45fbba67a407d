// plot.js - the two pictures: the frontier projected on two parties, and
// the implementation timeline of commitments on the PAM scale.  Both are
// SVG built node by node, each with a title and description for screen
// readers; the same numbers are also given in tables next to them.

import {s, newId} from './dom.js';

const W = 620;
const H = 460;
const M = {l: 52, r: 16, t: 16, b: 46};

function fmt(x) {
    return Number(x).toFixed(2);
}

// points: [{utility: {party: u}}]; solutions: analysis solutions[];
// current: {party: u} or null; reservation: {party: r};
// x, y: the two party ids.  Utilities lie in [0, 1] (DESIGN.md 1), so the
// axes are fixed to [0, 1]: two projections can be compared by eye.
export function frontierSvg({points, solutions, current, reservation, x, y}) {
    const px = (u) => M.l + u * (W - M.l - M.r);
    const py = (u) => H - M.b - u * (H - M.t - M.b);
    const titleId = newId('frontier-title');
    const descId = newId('frontier-desc');
    const found = (solutions || []).filter((sol) => sol.found && sol.metrics && sol.metrics.utility);
    const svg = s('svg', {viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img',
        class: 'frontier', 'aria-labelledby': `${titleId} ${descId}`},
    s('title', {id: titleId}, `Pareto frontier: utility of ${x} against ${y}`),
    s('desc', {id: descId},
        `${(points || []).length} frontier points; solutions: ` +
        found.map((sol) => `${sol.concept} at (${fmt(sol.metrics.utility[x])}, ${fmt(sol.metrics.utility[y])})`).join(', ') +
        (current ? `; current text at (${fmt(current[x])}, ${fmt(current[y])})` : '')));

    // Axes, ticks and labels.
    svg.appendChild(s('rect', {x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: 'plot-bg'}));
    for (let i = 0; i <= 5; i++) {
        const v = i / 5;
        svg.appendChild(s('line', {x1: px(v), x2: px(v), y1: py(0), y2: py(0) + 4, class: 'tick'}));
        svg.appendChild(s('text', {x: px(v), y: py(0) + 16, class: 'tick-label', 'text-anchor': 'middle'}, v.toFixed(1)));
        svg.appendChild(s('line', {x1: px(0) - 4, x2: px(0), y1: py(v), y2: py(v), class: 'tick'}));
        svg.appendChild(s('text', {x: px(0) - 7, y: py(v) + 4, class: 'tick-label', 'text-anchor': 'end'}, v.toFixed(1)));
    }
    svg.appendChild(s('text', {x: (px(0) + px(1)) / 2, y: H - 8, 'text-anchor': 'middle', class: 'axis-label'}, `utility of ${x}`));
    svg.appendChild(s('text', {x: 14, y: (py(0) + py(1)) / 2, 'text-anchor': 'middle', class: 'axis-label',
        transform: `rotate(-90 14 ${(py(0) + py(1)) / 2})`}, `utility of ${y}`));

    // Reservations: gains are measured from them (the disagreement point).
    if (reservation && reservation[x] !== undefined) {
        svg.appendChild(s('line', {x1: px(reservation[x]), x2: px(reservation[x]), y1: py(0), y2: py(1), class: 'reservation'}));
    }
    if (reservation && reservation[y] !== undefined) {
        svg.appendChild(s('line', {x1: px(0), x2: px(1), y1: py(reservation[y]), y2: py(reservation[y]), class: 'reservation'}));
    }

    const g = s('g', {class: 'points'});
    for (const p of points || []) {
        const u = p.utility || {};
        if (typeof u[x] !== 'number' || typeof u[y] !== 'number') continue;
        g.appendChild(s('circle', {cx: px(u[x]), cy: py(u[y]), r: 3, class: 'frontier-point'}));
    }
    svg.appendChild(g);

    // Solutions: labelled; power_nash (what raw power alone yields) drawn as
    // a diamond so it stands apart from the concepts that offset power.
    // Labels go right of their mark, or left near the right edge; a label
    // that would overprint one already placed moves down a line.
    const boxes = [];
    const place = (cx, cy, text) => {
        const w = 7 * text.length;
        const left = cx + 10 + w > W - M.r;
        let y = cy - 6;
        const x0 = left ? cx - 10 - w : cx + 10;
        while (boxes.some((b) => Math.abs(b.y - y) < 13 && x0 < b.x + b.w && b.x < x0 + w)) y += 13;
        boxes.push({x: x0, y, w});
        return {x: left ? cx - 10 : cx + 10, y, anchor: left ? 'end' : 'start'};
    };
    // The current text is labelled first, so its label sits right by its
    // cross; it is drawn last, on top of the solutions.
    let curMark = null;
    if (current && typeof current[x] === 'number' && typeof current[y] === 'number') {
        const cx = px(current[x]);
        const cy = py(current[y]);
        const at = place(cx, cy + 18, 'current text');
        curMark = s('g', {class: 'current-mark'},
            s('path', {d: `M${cx - 7} ${cy - 7}L${cx + 7} ${cy + 7}M${cx - 7} ${cy + 7}L${cx + 7} ${cy - 7}`, class: 'current'}),
            s('text', {x: at.x, y: at.y, 'text-anchor': at.anchor, class: 'current-label'}, 'current text'));
    }
    for (const sol of found) {
        const cx = px(sol.metrics.utility[x]);
        const cy = py(sol.metrics.utility[y]);
        const isPN = sol.concept === 'power_nash';
        const text = isPN ? 'power_nash (raw power)' : sol.concept;
        const at = place(cx, cy, text);
        const mark = isPN
            ? s('path', {d: `M${cx} ${cy - 8}L${cx + 8} ${cy}L${cx} ${cy + 8}L${cx - 8} ${cy}Z`, class: 'solution power-nash'})
            : s('circle', {cx, cy, r: 5, class: 'solution'});
        const label = s('text', {x: at.x, y: at.y, 'text-anchor': at.anchor,
            class: isPN ? 'solution-label power-nash-label' : 'solution-label'}, text);
        svg.appendChild(s('g', {class: 'solution-mark', 'data-concept': sol.concept}, mark, label));
    }
    if (curMark) svg.appendChild(curMark);
    return svg;
}

// PAM colours as the library's timeline draws them (src/render/svg_timeline.c).
const PAM = {
    not_begun: ['#d73027', '0'], minimal: ['#fc8d59', '1'], intermediate: ['#fee08b', '2'],
    full: ['#1a9850', '3'], disputed: ['#9e9ac8', 'D'], breached: ['#252525', 'B'],
};

export const PAM_LABEL = {
    not_begun: '0 not begun', minimal: '1 minimal', intermediate: '2 intermediate',
    full: '3 full', disputed: 'disputed', breached: 'breached',
};

// One commitment's periods as a row of cells, in the status that counts.
export function pamTimelineSvg(c) {
    const periods = c.periods || [];
    const cw = 74;
    const rh = 34;
    const w = Math.max(1, periods.length) * cw + 8;
    const titleId = newId('pam-title');
    const svg = s('svg', {viewBox: `0 0 ${w} ${rh + 22}`, width: w, height: rh + 22, role: 'img',
        class: 'timeline', 'aria-labelledby': titleId},
    s('title', {id: titleId}, `Commitment ${c.id}: ` + (periods.length
        ? periods.map((p) => `${p.period} ${p.status ? PAM_LABEL[p.status] || p.status : 'not reported'}`).join('; ')
        : 'no period ended yet')));
    periods.forEach((p, i) => {
        const [fill, mark] = PAM[p.status] || ['#ffffff', ''];
        const x = 4 + i * cw;
        svg.appendChild(s('rect', {x, y: 2, width: cw - 4, height: rh, fill, class: 'pam-cell',
            'data-status': p.status || 'none'}));
        if (mark) {
            svg.appendChild(s('text', {x: x + (cw - 4) / 2, y: rh / 2 + 7, 'text-anchor': 'middle',
                class: p.status === 'breached' ? 'pam-mark light' : 'pam-mark'}, mark));
        }
        svg.appendChild(s('text', {x: x + (cw - 4) / 2, y: rh + 16, 'text-anchor': 'middle', class: 'pam-date'}, p.period));
    });
    return svg;
}
