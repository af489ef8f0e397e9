'use strict';
/*
 * The whole path a user takes: an offer (a validation error first, shown at its
 * field), the example leads through the file input, a run on the offline
 * provider to 100 %, the results filtered to High, one lead's detail, and the
 * CSV export - byte for byte what GET /results/export gives for the same filter.
 */
const fs = require('fs');
const path = require('path');
const { ROOT, exampleOffer, until } = require('../lib/harness');
const ui = require('../lib/ui');

module.exports = {
    name: 'walk_through',
    async run(t) {
        const srv = await t.server();
        /* 422 twice: the refused offer (from the page and from here, for its message). */
        const page = await t.page({ allowStatus: [422] });
        await page.goto(`${srv.url}/#/offers`);
        await ui.h1(page, 'Offers');
        await t.shot(page, 'offers-empty');
        const offer = exampleOffer();

        const refused = await srv.expect(422, 'POST', '/offers',
            { name: '', value_props: offer.value_props, ideal_use_cases: offer.ideal_use_cases });
        const vp = (n) => page.getByLabel(`Value proposition ${n}`, { exact: true });
        const uc = (n) => page.getByLabel(`Ideal use case ${n}`, { exact: true });
        if (await vp(1).count() === 0)
            await page.getByRole('button', { name: 'Add value proposition', exact: true }).click();
        await vp(1).fill(offer.value_props[0]);
        await page.getByRole('button', { name: 'Add value proposition', exact: true }).click();
        await vp(2).fill(offer.value_props[1]);
        await page.getByRole('button', { name: 'Add value proposition', exact: true }).click();
        await vp(3).fill('to be removed');
        await page.getByRole('button', { name: 'Remove value proposition 3', exact: true }).click();
        t.equal(await vp(3).count(), 0, '"Remove value proposition 3" removes the third input');
        if (await uc(1).count() === 0)
            await page.getByRole('button', { name: 'Add ideal use case', exact: true }).click();
        await uc(1).fill(offer.ideal_use_cases[0]);
        const name = page.getByLabel('Name', { exact: true });
        await name.fill('');
        await page.getByRole('button', { name: 'Create offer', exact: true }).click();

        /* The server's message next to "Name": role=alert, aria-describedby, aria-invalid. */
        await until(async () => (await name.getAttribute('aria-invalid')) === 'true',
            '"Name" to get aria-invalid="true" after the 422', 10000);
        const described = (await name.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
        t.ok(described.length > 0, '"Name" has aria-describedby naming its error message');
        const msgs = await page.evaluate((ids) => ids.map((id) => {
            const el = document.getElementById(id);
            return el && { role: el.getAttribute('role'), text: el.textContent, visible: !!el.offsetParent };
        }), described);
        const alert = msgs.find((m) => m && m.role === 'alert' && m.visible);
        t.ok(alert, `an element with role="alert" described by "Name" is shown (got ${JSON.stringify(msgs)})`);
        t.ok(alert.text.includes(refused.json.error),
            `the message next to "Name" is the server's "${refused.json.error}" (shows "${alert.text}")`);
        t.equal((await srv.expect(200, 'GET', '/offers')).json.total, 0, 'the refused offer was not stored');
        await t.shot(page, 'offers-error');

        await name.fill(offer.name);
        await page.getByRole('button', { name: 'Create offer', exact: true }).click();
        const offers = await until(async () => {
            const r = await srv.expect(200, 'GET', '/offers');
            return r.json.total === 1 && r.json;
        }, 'the offer to be stored');
        const stored = (await srv.expect(200, 'GET', `/offers/${offers.items[0].id}`)).json;
        const got = JSON.stringify(stored);
        t.ok(got.includes(JSON.stringify(offer.value_props)) && got.includes(JSON.stringify(offer.ideal_use_cases)),
            `the offer stored is examples/offer.json's (got ${got})`);
        await until(async () => (await name.getAttribute('aria-invalid')) !== 'true',
            '"Name" to lose aria-invalid once the offer is accepted', 5000);
        await ui.waitText(page, new RegExp(offer.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the new offer in the list');
        await t.shot(page, 'offers');

        /* The example leads through the file input. */
        await ui.go(page, 'Leads');
        await t.shot(page, 'leads-empty');
        await page.getByLabel('Choose a CSV file', { exact: true }).setInputFiles(path.join(ROOT, 'examples', 'leads.csv'));
        const preview = page.getByRole('table', { name: 'Preview' });
        await until(async () => (await ui.bodyRows(preview).count()) === 4, 'the preview of the 4 leads');
        const csvNames = fs.readFileSync(path.join(ROOT, 'examples', 'leads.csv'), 'utf8').trim().split('\n')
            .slice(1).map((l) => l.split(',')[0]);
        for (const n of csvNames)
            await preview.getByRole('cell', { name: n, exact: true }).waitFor();
        const uploads = (await srv.expect(200, 'GET', '/uploads')).json;
        const upload = (uploads.items || uploads)[0];
        t.equal([upload.count, upload.rejected], [4, 0], 'the upload stored 4 leads, none rejected');
        await ui.waitText(page, /accepted\D{0,20}4|4\D{0,20}accepted/i, 'the accepted count (4)');
        await t.shot(page, 'leads');

        /* A run on the offline provider. */
        await ui.go(page, 'Runs');
        await page.getByRole('button', { name: 'Start run', exact: true }).waitFor();
        await ui.waitText(page, /offline/, 'the provider that will be used (offline)');
        await t.shot(page, 'runs-empty');
        await page.getByRole('button', { name: 'Start run', exact: true }).click();
        await until(() => /^#\/runs\/\d+$/.test(ui.hash(page)), 'the run page (#/runs/{id})');
        const jobId = Number(ui.hash(page).split('/')[2]);
        await ui.h1(page, `Run ${jobId}`);
        const job = await srv.waitJob(jobId);
        t.equal([job.status, job.offer_id, job.upload_id], ['succeeded', offers.items[0].id, upload.id],
            'the run scored the latest offer and upload');
        await until(async () => {
            const p = await ui.progress(page);
            return p.value === p.max && p.max > 0;
        }, '"Scoring progress" to be full');
        await ui.waitText(page, /100\s?%/, 'the percentage to read 100 %');
        await ui.waitText(page, /succeeded/i, 'the status "succeeded"');
        await t.shot(page, 'run');

        /* Results, filtered to High. */
        await page.getByRole('link', { name: 'View results', exact: true }).click();
        await until(() => ui.hash(page).startsWith(`#/results/${jobId}`), `#/results/${jobId}`);
        await ui.h1(page, 'Results');
        const table = ui.resultsTable(page);
        await until(async () => (await ui.bodyRows(table).count()) === 4, 'all 4 results in "Ranked leads"');
        await t.shot(page, 'results');
        const high = (await srv.expect(200, 'GET', `/jobs/${jobId}/results?intent=High`)).json;
        t.ok(high.length > 0 && high.length < 4, `some but not all leads are High (${high.length})`);
        await page.getByLabel('Intent', { exact: true }).selectOption('High');
        await until(() => /[?&]intent=High(&|$)/.test(ui.hash(page)), 'intent=High in the hash query');
        await until(async () => (await ui.bodyRows(table).count()) === high.length, `${high.length} High rows`);
        for (const [i, r] of high.entries()) {
            const row = ui.bodyRows(table).nth(i);
            await row.getByRole('cell', { name: r.name, exact: true }).waitFor({ timeout: 5000 });
            t.ok((await row.innerText()).includes('High'), `row ${i + 1} (${r.name}) shows the word High`);
        }
        await t.shot(page, 'results-high');

        /* One lead's detail: factors and reasoning; Escape closes it. */
        const first = high[0];
        const row = ui.bodyRows(table).first();
        await row.getByRole('cell', { name: first.name, exact: true }).click();
        const dialog = page.getByRole('dialog', { name: 'Lead detail' });
        await dialog.waitFor();
        const dtext = await dialog.innerText();
        t.ok(dtext.includes(first.reasoning), `the detail shows the reasoning "${first.reasoning}"`);
        for (const f of first.factors || [])
            t.ok(dtext.includes(f.why), `the detail shows the ${f.factor} factor's why: "${f.why}"`);
        t.ok(Array.isArray(first.factors) && first.factors.length === 3, 'the API gives three factors');
        for (const f of ['role', 'industry', 'completeness'])
            t.ok(new RegExp(f, 'i').test(dtext), `the detail has a row for the ${f} factor`);
        await t.shot(page, 'detail');
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden' });

        /* Export CSV: the download is what the API exports for the same filter. */
        const [dl] = await Promise.all([page.waitForEvent('download'),
            ui.action(page, 'Export CSV').click()]);
        const bytes = fs.readFileSync(await dl.path());
        t.ok(/[?&]intent=High(&|$)/.test(dl.url()), `the export carries the filter (${dl.url()})`);
        const direct = await srv.expect(200, 'GET', '/results/export?intent=High');
        t.ok(bytes.equals(direct.buf), `the downloaded CSV (${bytes.length} bytes) equals GET ` +
            `/results/export?intent=High (${direct.buf.length} bytes)`);
        t.ok(direct.text.split('\n').length >= high.length + 1, 'the export has a header and the High rows');
    },
};
