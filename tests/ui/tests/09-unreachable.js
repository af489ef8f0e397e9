'use strict';
/*
 * The server goes away while the page is open: "Cannot reach leadscore"
 * shows; the same server comes back on the same port and database: the
 * banner goes and the screen loads by itself, with no reload.
 */
const { Server, genLeads, until } = require('../lib/harness');
const ui = require('../lib/ui');

module.exports = {
    name: 'unreachable',
    async run(t) {
        const srv = await t.server();
        const { job } = await srv.seed(genLeads(5));
        const page = await t.page({ allowNetworkErrors: true });
        await page.goto(`${srv.url}/#/runs`);
        await ui.h1(page, 'Runs');
        await page.locator(`a[href$="#/runs/${job.id}"]`).first().waitFor();
        await page.evaluate(() => { window.__lsSamePage = true; });
        const banner = page.getByRole('alert').filter({ hasText: 'Cannot reach leadscore' });
        t.equal(await banner.count(), 0, 'no banner while the server is up');
        await t.shot(page, 'runs');

        await srv.stop();
        await banner.waitFor({ timeout: 10000 });
        await t.shot(page, 'runs-down');
        /* The user moves on while it is down: the status screen cannot load yet. */
        await ui.nav(page).getByRole('link', { name: 'Status', exact: true }).click();
        await until(() => ui.hash(page) === '#/status', '#/status');
        await t.shot(page, 'status-down');
        t.ok(await banner.isVisible(), 'the banner stays while the server is down');

        const again = new Server({ db: srv.db, port: srv.port });
        t.cleanups.push(() => again.stop());
        await again.start();
        t.equal(again.port, srv.port, 'the server is back on the same port');
        const health = (await again.expect(200, 'GET', '/healthz')).json;
        await banner.waitFor({ state: 'hidden', timeout: 10000 });
        await ui.h1(page, 'Status');
        await ui.waitText(page, new RegExp(health.version.replace(/\./g, '\\.')), 'the version on the status screen', 10000);
        await ui.waitText(page, new RegExp(health.ai.provider), 'the provider on the status screen', 10000);
        t.ok(await page.evaluate(() => window.__lsSamePage === true), 'the page recovered without a reload');
        await t.shot(page, 'status-back');
    },
};
