'use strict';
/*
 * The results table puts a screenful of rows in first and the rest of the page
 * one frame later (60-results.js, for the first screen's time), marking the
 * table data-rows-pending meanwhile. This checks what
 * a user must still get: every row of the page, in rank order, numbered from the
 * page's offset, the same rows as GET /results, and no late rows of an earlier
 * page when filters and pages change faster than a frame.
 */
const { genLeads, until } = require('../lib/harness');
const ui = require('../lib/ui');

async function tableRows(table) {
    return ui.bodyRows(table).evaluateAll((trs) => trs.map((tr) => ({
        rank: tr.cells[0] ? tr.cells[0].textContent.trim() : '',
        name: tr.cells[1] ? tr.cells[1].textContent.trim() : '',
        intent: tr.cells[5] ? tr.cells[5].textContent.trim() : '',
    })));
}

/* Waits until the table is at rest (no rows pending, not aria-busy) with want rows; returns them. */
async function settled(page, table, want, what) {
    await until(async () => {
        const pending = await table.getAttribute('data-rows-pending');
        const busy = await table.getAttribute('aria-busy');
        return pending === null && busy === null && (await ui.bodyRows(table).count()) === want;
    }, what, 15000);
    return tableRows(table);
}

module.exports = {
    name: 'rows',
    async run(t) {
        const srv = await t.server();
        await srv.seed(genLeads(130));
        const page = await t.page();

        await page.goto(`${srv.url}/#/results`);
        await ui.h1(page, 'Results');
        const table = ui.resultsTable(page);
        const api = (await srv.expect(200, 'GET', '/results?limit=50&offset=0')).json;
        let rows = await settled(page, table, 50, 'the first page\'s 50 rows');
        t.equal(rows.map((r) => r.rank), api.map((_, i) => String(i + 1)), 'ranks 1 to 50, in order, once each');
        t.equal(rows.map((r) => r.name), api.map((r) => r.name), 'the same leads as GET /results, in its order');

        /* Page 3 of 130: 30 rows, ranked from 101. */
        await page.goto(`${srv.url}/#/results?page=3`);
        rows = await settled(page, table, 30, 'page 3\'s 30 rows');
        const api3 = (await srv.expect(200, 'GET', '/results?limit=50&offset=100')).json;
        t.equal(rows.map((r) => r.rank), api3.map((_, i) => String(101 + i)), 'page 3 is ranked from 101');
        t.equal(rows.map((r) => r.name), api3.map((r) => r.name), 'page 3 holds GET /results\' leads');

        /*
         * A page's rest still to come when the next page renders: the frame
         * callbacks are held (requestAnimationFrame queues them) so that both
         * renders are in before either rest may run; then they run in order.
         */
        await page.goto(`${srv.url}/#/results`);
        await settled(page, table, 50, 'page 1 again');
        await page.evaluate(() => {
            window.__held = [];
            window.requestAnimationFrame = (cb) => { window.__held.push(cb); return window.__held.length; };
            location.hash = '#/results?page=2';
        });
        await until(async () => (await tableRows(table)).length === 12 &&
            (await tableRows(table))[0].rank === '51', 'page 2\'s first screenful (rank 51 first)', 15000);
        await page.evaluate(() => { location.hash = '#/results?intent=Low'; });
        const low = (await srv.expect(200, 'GET', '/results?intent=Low&limit=50')).json;
        t.ok(low.length > 12, `more Low leads than the first screenful (${low.length})`);
        await until(async () => {
            const r = await tableRows(table);
            return r.length === 12 && r.every((x) => x.intent === 'Low');
        }, 'the Low page\'s first screenful', 15000);
        const held = await page.evaluate(() => {
            const n = window.__held.length;
            delete window.requestAnimationFrame; /* the real one again */
            window.__held.forEach((cb) => cb(performance.now()));
            return n;
        });
        /* per page: its rest and its summary's fetch (load() asks for that a frame later) */
        t.ok(held >= 4, `both pages' rests were held (${held} frame callbacks)`);
        rows = await settled(page, table, low.length, 'the Low page, whole');
        await page.waitForTimeout(200);
        rows = await tableRows(table);
        t.equal(rows.length, low.length, 'page 2\'s rest was not added to the Low page');
        t.ok(rows.every((r) => r.intent === 'Low'), 'every row is Low');
        t.equal(rows.map((r) => r.name), low.map((r) => r.name), 'the Low leads of GET /results, in order');
        await t.shot(page, 'results-rows');
    },
};
