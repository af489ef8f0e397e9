'use strict';
/*
 * A long run (200 leads on a slow model) started from the page and cancelled
 * with "Cancel run": the page says cancelled, and so does the API.
 */
const { exampleOffer, genLeads, until } = require('../lib/harness');
const ui = require('../lib/ui');

module.exports = {
    name: 'cancel',
    async run(t) {
        const fake = await t.fake();
        await fake.config({ latency_ms: 3000 });
        /* 40 model requests of 5 leads, 2 at a time, 3 s each: about a minute unless cancelled. */
        const srv = await t.server({ fake, env: { LEADSCORE_AI_BATCH: '5', LEADSCORE_AI_CONCURRENCY: '2' } });
        await srv.expect(201, 'POST', '/offers', exampleOffer());
        const up = await srv.expect(201, 'POST', '/uploads?filename=two-hundred.csv', genLeads(200));
        t.equal(up.json.count, 200, 'the API stored 200 leads');

        const page = await t.page();
        await page.goto(`${srv.url}/#/runs`);
        await ui.h1(page, 'Runs');
        await ui.waitText(page, /gemini/, 'the provider that will be used (gemini, at the fake)');
        await t.shot(page, 'runs-start');
        await page.getByRole('button', { name: 'Start run', exact: true }).click();
        await until(() => /^#\/runs\/\d+$/.test(ui.hash(page)), 'the run page (#/runs/{id})');
        const id = Number(ui.hash(page).split('/')[2]);
        await ui.h1(page, `Run ${id}`);
        const cancel = page.getByRole('button', { name: 'Cancel run', exact: true });
        await cancel.waitFor();
        const before = (await srv.expect(200, 'GET', `/jobs/${id}`)).json;
        t.ok(['queued', 'running'].includes(before.status), `the job is under way (${before.status})`);
        await ui.waitText(page, /queued|running/i, 'the status in words (queued or running)');
        await t.shot(page, 'run-running');

        await cancel.click();
        await ui.waitText(page, /cancell?ed/i, 'the status "cancelled"', 20000);
        await cancel.waitFor({ state: 'hidden', timeout: 10000 });
        const job = await srv.waitJob(id, {}, 20000);
        t.equal(job.status, 'cancelled', 'the API says the job was cancelled');
        t.ok(job.done < job.total, `the run stopped early (${job.done} of ${job.total})`);
        await t.shot(page, 'run-cancelled');

        await ui.go(page, 'Runs');
        await ui.waitText(page, /cancell?ed/i, 'the runs list showing the cancelled run');
        await t.shot(page, 'runs');
    },
};
