'use strict';
/*
 * tests/ui/lib/ui.js - the dashboard as its contract describes it (accessible
 * names, hash routes), for the tests: only what that contract promises.
 */
const { until } = require('./harness');

const NAV = ['Offers', 'Leads', 'Runs', 'Results', 'Status'];

function nav(page) {
    return page.getByRole('navigation', { name: 'Main' });
}

async function go(page, name) {
    await nav(page).getByRole('link', { name, exact: true }).click();
    await h1(page, name);
}

/* Waits for the screen's h1. */
async function h1(page, text, timeout = 15000) {
    const h = page.getByRole('heading', { level: 1, name: text, exact: true });
    await h.waitFor({ state: 'visible', timeout });
    return h;
}

function hash(page) {
    return new URL(page.url()).hash;
}

/* A button or a link with this name (the contract allows either). */
function action(page, name) {
    return page.getByRole('button', { name, exact: true }).or(page.getByRole('link', { name, exact: true }));
}

function resultsTable(page) {
    return page.getByRole('table', { name: 'Ranked leads' });
}

/* The table's body rows (rows with cells, not the header). */
function bodyRows(table) {
    return table.locator('tbody tr');
}

/* {value, max} of the "Scoring progress" bar (<progress> or role=progressbar). */
async function progress(page) {
    const bar = page.getByRole('progressbar', { name: 'Scoring progress' });
    return bar.evaluate((el) => {
        if (el.tagName === 'PROGRESS')
            return { value: el.position < 0 ? null : el.value, max: el.max };
        return { value: Number(el.getAttribute('aria-valuenow')), max: Number(el.getAttribute('aria-valuemax') || 100) };
    });
}

/* The page's text as a user sees it (innerText: hidden elements excluded). */
function text(page) {
    return page.evaluate(() => document.body.innerText);
}

/* No horizontal page overflow: the page is no wider than the viewport (+ tol px). */
async function pageWidth(page) {
    return page.evaluate(() => ({ scroll: document.scrollingElement.scrollWidth, viewport: window.innerWidth }));
}

async function assertNoOverflow(t, page, where, tol = 2) {
    const w = await pageWidth(page);
    t.ok(w.scroll <= w.viewport + tol,
        `${where}: the page scrolls sideways (scrollWidth ${w.scroll} > viewport ${w.viewport})`);
}

/*
 * Every visible input, button, select and textarea with its computed
 * accessible name, from Chromium's accessibility tree (CDP). Returns the ones
 * without a name, described.
 */
async function unnamedControls(page) {
    const cdp = await page.context().newCDPSession(page);
    try {
        await cdp.send('DOM.enable');
        await cdp.send('Accessibility.enable');
        const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
        const { nodeIds } = await cdp.send('DOM.querySelectorAll',
            { nodeId: root.nodeId, selector: 'input:not([type=hidden]), button, select, textarea' });
        const bad = [];
        for (const nodeId of nodeIds) {
            const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
            const ax = nodes.find((n) => !n.ignored) || nodes[0];
            if (!ax || ax.ignored)
                continue; /* not rendered (display:none, hidden) */
            const name = ax.name && ax.name.value ? String(ax.name.value).trim() : '';
            if (!name) {
                const { outerHTML } = await cdp.send('DOM.getOuterHTML', { nodeId });
                bad.push(outerHTML.slice(0, 200));
            }
        }
        return bad;
    } finally {
        await cdp.detach().catch(() => {});
    }
}

async function assertNamedControls(t, page, where) {
    const bad = await unnamedControls(page);
    t.ok(bad.length === 0, `${where}: controls without an accessible name: ${bad.join(' | ')}`);
}

/* Waits until the page's visible text matches re. */
async function waitText(page, re, what, timeout = 15000) {
    return until(async () => re.test(await text(page)), what || String(re), timeout, 100);
}

module.exports = {
    NAV, nav, go, h1, hash, action, resultsTable, bodyRows, progress, text, pageWidth,
    assertNoOverflow, unnamedControls, assertNamedControls, waitText,
};
