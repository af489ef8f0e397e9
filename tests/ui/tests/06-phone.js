'use strict';
/*
 * A 390x844 phone: every screen readable - the page never scrolls sideways
 * (a wide table scrolls in its own container), the nav fits and works.
 */
const { genLeads, until } = require('../lib/harness');
const ui = require('../lib/ui');

async function checkScreen(t, page, where) {
    const vw = await page.evaluate(() => window.innerWidth);
    t.equal(vw, 390, `${where}: the layout viewport is the phone's width (a viewport meta tag)`);
    await ui.assertNoOverflow(t, page, where);
    for (const name of ui.NAV) {
        const link = ui.nav(page).getByRole('link', { name, exact: true });
        t.ok(await link.isVisible(), `${where}: nav link ${name} is visible`);
        const b = await link.boundingBox();
        t.ok(b && b.x >= 0 && b.x + b.width <= 391, `${where}: nav link ${name} lies inside the screen (${JSON.stringify(b)})`);
    }
    await t.shot(page, where);
}

module.exports = {
    name: 'phone',
    async run(t) {
        const srv = await t.server();
        const { job, uploadId, offerId } = await srv.seed(genLeads(60, 'Someone With A Rather Long Name'));
        const page = await t.page({ viewport: { width: 390, height: 844 }, isMobile: true });
        await page.goto(`${srv.url}/#/offers`);
        await ui.h1(page, 'Offers');
        await checkScreen(t, page, 'offers');
        await page.goto(`${srv.url}/#/offers/${offerId}`);
        await ui.waitText(page, /AI Outreach Automation/, 'the offer');
        await checkScreen(t, page, 'offer');
        await ui.go(page, 'Leads');
        await checkScreen(t, page, 'leads');
        await page.goto(`${srv.url}/#/leads/${uploadId}`);
        const preview = page.getByRole('table', { name: 'Preview' });
        await until(async () => (await ui.bodyRows(preview).count()) > 0, 'the preview');
        await checkScreen(t, page, 'upload');
        await ui.go(page, 'Runs');
        await page.locator(`a[href$="#/runs/${job.id}"]`).first().waitFor();
        await checkScreen(t, page, 'runs');
        await page.locator(`a[href$="#/runs/${job.id}"]`).first().click();
        await ui.h1(page, `Run ${job.id}`);
        await page.getByRole('link', { name: 'View results', exact: true }).waitFor();
        await checkScreen(t, page, 'run');
        await ui.go(page, 'Results');
        const table = ui.resultsTable(page);
        await until(async () => (await ui.bodyRows(table).count()) === 50, 'a first page of 50 results');
        await checkScreen(t, page, 'results');
        await ui.bodyRows(table).first().locator('td').nth(1).click();
        const dialog = page.getByRole('dialog', { name: 'Lead detail' });
        await dialog.waitFor();
        const b = await dialog.boundingBox();
        t.ok(b && b.x >= -1 && b.x + b.width <= 391, `detail: the panel fits the screen (${JSON.stringify(b)})`);
        await ui.assertNoOverflow(t, page, 'detail');
        await t.shot(page, 'detail');
        await page.getByRole('button', { name: 'Close', exact: true }).click();
        await dialog.waitFor({ state: 'hidden' });
        await ui.go(page, 'Status');
        await checkScreen(t, page, 'status');
    },
};
