'use strict';
/*
 * Live updates: a job started through the API (not the page) appears in the
 * open runs list without a reload, and its run page moves on by itself.
 */
const { exampleOffer, genLeads, until } = require('../lib/harness');
const ui = require('../lib/ui');

module.exports = {
    name: 'live',
    async run(t) {
        const fake = await t.fake();
        await fake.config({ latency_ms: 700 });
        /* 12 requests of 2 leads, one at a time: about 8 s. */
        const srv = await t.server({ fake, env: { LEADSCORE_AI_BATCH: '2', LEADSCORE_AI_CONCURRENCY: '1' } });
        const o = await srv.expect(201, 'POST', '/offers', exampleOffer());
        const u = await srv.expect(201, 'POST', '/uploads?filename=live.csv', genLeads(24));
        const page = await t.page();
        await page.goto(`${srv.url}/#/runs`);
        await ui.h1(page, 'Runs');
        await page.evaluate(() => { window.__lsSamePage = true; });
        await t.shot(page, 'runs-empty');

        const job = (await srv.expect(202, 'POST', '/jobs', { offer_id: o.json.offer_id, upload_id: u.json.upload_id })).json;
        const link = page.locator(`a[href$="#/runs/${job.id}"]`).first();
        await link.waitFor({ timeout: 6000 });
        t.ok(await page.evaluate(() => window.__lsSamePage === true), 'the runs list was not reloaded');
        await ui.waitText(page, /queued|running/i, 'the new run\'s status in words');
        await t.shot(page, 'runs-live');

        await link.click();
        await ui.h1(page, `Run ${job.id}`);
        const seen = [];
        await until(async () => {
            const p = await ui.progress(page);
            if (p.value !== null && (seen.length === 0 || seen[seen.length - 1] !== p.value))
                seen.push(p.value);
            return p.max === job.total && p.value === p.max;
        }, 'the run page to reach the total', 30000, 100);
        const between = seen.filter((v) => v > 0 && v < job.total);
        t.ok(between.length >= 2, `the progress moved by itself: values seen ${JSON.stringify(seen)}`);
        for (let i = 1; i < seen.length; i++)
            t.ok(seen[i] >= seen[i - 1], `progress never goes back (${JSON.stringify(seen)})`);
        await ui.waitText(page, /succeeded/i, 'the status "succeeded"');
        await page.getByRole('link', { name: 'View results', exact: true }).waitFor();
        t.ok(await page.evaluate(() => window.__lsSamePage === true), 'the run page was not reloaded');
        t.equal((await srv.expect(200, 'GET', `/jobs/${job.id}`)).json.status, 'succeeded', 'the API agrees');
        await t.shot(page, 'run-done');
    },
};
