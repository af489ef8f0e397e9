'use strict';
/*
 * Issue #10 in the page: the start form shows what the run will cost before it
 * starts (the dry run: no model call), a run started with a small budget stops
 * at it with its results kept, and "Resume with this budget" takes it to the end.
 */
const { exampleOffer, genLeads, until } = require('../lib/harness');
const ui = require('../lib/ui');

module.exports = {
    name: 'cost',
    async run(t) {
        const fake = await t.fake();
        const srv = await t.server({ fake, env: { LEADSCORE_AI_BATCH: '5', LEADSCORE_AI_CONCURRENCY: '1' } });
        await srv.expect(201, 'POST', '/offers', exampleOffer());
        await srv.expect(201, 'POST', '/uploads?filename=two-hundred.csv', genLeads(200));

        const page = await t.page();
        await page.goto(`${srv.url}/#/runs`);
        await ui.h1(page, 'Runs');
        await ui.waitText(page, /Estimate: 200 leads to send/, 'the estimate of the chosen offer and upload');
        await ui.waitText(page, /40 model requests/, 'the estimate\'s requests (200 leads, 5 a request)');
        await ui.waitText(page, /about \$0\.\d{4}/, 'the estimate\'s cost in USD');
        const stats = await (await fetch(`${fake.url}/_fake/stats`)).json();
        t.equal(stats.count, 0, 'the estimate called no model');
        await t.shot(page, 'runs-estimate');

        /* A budget of a few requests: the run stops at it. */
        await page.getByLabel('Budget (USD, optional)').fill('0.002');
        await page.getByRole('button', { name: 'Start run', exact: true }).click();
        await until(() => /^#\/runs\/\d+$/.test(ui.hash(page)), 'the run page (#/runs/{id})');
        const id = Number(ui.hash(page).split('/')[2]);
        await ui.waitText(page, /stopped at its budget/i, 'the run stopped at its budget, in words', 30000);
        const stopped = await srv.waitJob(id, {}, 30000);
        t.equal(stopped.status, 'stopped', 'the API says stopped');
        t.equal(stopped.stop_reason, 'budget', 'because of the budget');
        t.ok(stopped.done > 0 && stopped.done < 200, `some leads scored before it (${stopped.done} of 200)`);
        t.ok(stopped.cost_usd <= 0.002, `the cost stayed within the budget ($${stopped.cost_usd})`);
        await t.shot(page, 'run-stopped');

        /* A higher budget: the same run goes on to the end. */
        await page.getByLabel('New budget (USD)').fill('1');
        await page.getByRole('button', { name: 'Resume with this budget', exact: true }).click();
        await ui.waitText(page, /succeeded/i, 'the resumed run succeeding', 30000);
        const done = await srv.waitJob(id, {}, 30000);
        t.equal(done.status, 'succeeded', 'the API says succeeded');
        t.equal(done.done, 200, 'every lead has its result');
        await t.shot(page, 'run-resumed');
    },
};
