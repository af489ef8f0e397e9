'use strict';
/*
 * The results screen by keyboard alone: Tab reaches the filters (Search
 * filters as typed) and a results row, Enter opens the lead's detail, Escape
 * closes it and gives focus back to the row; focus is always visible; every
 * input, button and select on every screen has an accessible name.
 */
const { genLeads, until } = require('../lib/harness');
const ui = require('../lib/ui');

/* Presses Tab until pred(activeElement) holds; at most n times. */
async function tabTo(page, pred, what, n = 80) {
    for (let i = 0; i < n; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(pred))
            return;
    }
    throw new Error(`Tab never reached ${what} in ${n} presses`);
}

/* The focused element shows a visible focus indicator (:focus-visible with an outline). */
async function assertFocusVisible(t, page, what) {
    const f = await page.evaluate(() => {
        const el = document.activeElement;
        const cs = getComputedStyle(el);
        return { fv: el.matches(':focus-visible'), style: cs.outlineStyle, width: parseFloat(cs.outlineWidth),
                 tag: el.tagName.toLowerCase() };
    });
    t.ok(f.fv && f.style !== 'none' && f.width > 0,
        `${what}: focus is not visible (${JSON.stringify(f)}: want :focus-visible with an outline)`);
}

module.exports = {
    name: 'keyboard',
    async run(t) {
        const srv = await t.server();
        const { job } = await srv.seed(genLeads(30));
        const page = await t.page();
        await page.goto(`${srv.url}/#/results`);
        await ui.h1(page, 'Results');
        const table = ui.resultsTable(page);
        await until(async () => (await ui.bodyRows(table).count()) === 30, '30 results');
        await ui.assertNamedControls(t, page, 'results');

        const intentId = await page.getByLabel('Intent', { exact: true }).evaluate((el) => {
            el.dataset.lsTest = 'intent';
            return true;
        });
        t.ok(intentId, 'the Intent filter exists');
        await tabTo(page, () => document.activeElement && document.activeElement.dataset.lsTest === 'intent', 'the Intent filter');
        await assertFocusVisible(t, page, 'the Intent filter');
        await page.getByLabel('Search', { exact: true }).evaluate((el) => { el.dataset.lsTest = 'search'; });
        await tabTo(page, () => document.activeElement.dataset.lsTest === 'search', 'the Search filter');
        await assertFocusVisible(t, page, 'the Search filter');
        await page.keyboard.type('Lead 1');
        const want = Number((await srv.expect(200, 'GET', `/jobs/${job.id}/results?q=Lead%201&limit=1`)).headers.get('x-total-count'));
        t.ok(want > 1 && want < 30, `the API finds some leads for "Lead 1" (${want})`);
        await until(async () => (await ui.bodyRows(table).count()) === want, `${want} rows after typing "Lead 1"`);
        await until(() => /[?&]q=Lead(%20|\+| )1(&|$)/.test(ui.hash(page)), 'q=Lead 1 in the hash query');
        await t.shot(page, 'results-search');

        /* On to a row; Enter opens its detail. */
        await tabTo(page, () => {
            const t = [...document.querySelectorAll('table')].find((x) =>
                x.getAttribute('aria-label') === 'Ranked leads' || (x.caption && x.caption.textContent.trim() === 'Ranked leads'));
            const el = document.activeElement;
            return !!(t && t.tBodies[0] && t.tBodies[0].contains(el) && el !== document.body);
        }, 'a row of "Ranked leads"');
        await assertFocusVisible(t, page, 'a results row');
        const rowText = await page.evaluate(() => document.activeElement.closest('tr').innerText);
        await page.evaluate(() => { document.activeElement.dataset.lsTest = 'row'; });
        await t.shot(page, 'row-focused');
        await page.keyboard.press('Enter');
        const dialog = page.getByRole('dialog', { name: 'Lead detail' });
        await dialog.waitFor();
        const name = rowText.split('\t').map((s) => s.trim()).find((s) => /^Lead \d+$/.test(s));
        t.ok(name && (await dialog.innerText()).includes(name), `the detail is the focused row's lead (${name})`);
        await ui.assertNamedControls(t, page, 'detail');
        await t.shot(page, 'detail');
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden' });
        const back = await page.evaluate(() => {
            const el = document.activeElement;
            return { marked: el.dataset.lsTest === 'row', row: el.closest('tr') && el.closest('tr').innerText };
        });
        t.ok(back.marked || back.row === rowText, `focus returned to the row (now on ${JSON.stringify(back)})`);
        await assertFocusVisible(t, page, 'the row after Escape');

        for (const s of ['Offers', 'Leads', 'Runs', 'Status']) {
            await ui.go(page, s);
            await page.waitForLoadState('networkidle').catch(() => {});
            await ui.assertNamedControls(t, page, s);
            await t.shot(page, s.toLowerCase());
        }
    },
};
