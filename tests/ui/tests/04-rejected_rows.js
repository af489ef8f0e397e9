'use strict';
/*
 * A CSV with bad rows through the file input: the page shows the accepted and
 * rejected counts and each rejected row's line number and reason (as the API
 * reports them), for the fresh upload and again under "Earlier uploads".
 */
const ui = require('../lib/ui');
const { until } = require('../lib/harness');

/* Rejected: line 3 (too many fields), 5 (a stray quote), 7 (a field over 8 KiB). */
const CSV = [
    'name,role,company,industry,location,linkedin_bio',
    'Ava Patel,Head of Growth,FlowMetrics,B2B SaaS,New York,Growth leader.',
    'Too Many,VP of Sales,Acme,SaaS,Paris,Bio,extra,fields',
    'Ben Carter,Senior Marketing Manager,Innovate Corp,E-commerce,London,Driving.',
    'Bad "Quote,Founder,Quote Co,Retail,Rome,Stray quote.',
    'Chloe Lee,VP of Sales,Nexus Solutions,Fintech,San Francisco,Seasoned.',
    `Big Bio,Analyst,Big Co,Retail,Oslo,${'b'.repeat(9000)}`,
    'David Chen,Software Engineer,TechGems,Enterprise Software,Berlin,Builds.',
    '',
].join('\n');

async function checkSummary(t, page, up) {
    await ui.waitText(page, new RegExp(`accepted\\D{0,20}${up.count}\\b|\\b${up.count}\\D{0,20}accepted`, 'i'),
        `the accepted count (${up.count})`);
    await ui.waitText(page, new RegExp(`rejected\\D{0,20}${up.rejected}\\b|\\b${up.rejected}\\D{0,20}rejected`, 'i'),
        `the rejected count (${up.rejected})`);
    await ui.waitText(page, new RegExp(up.encoding, 'i'), `the encoding (${up.encoding})`);
    const table = page.getByRole('table', { name: 'Rejected rows' });
    await until(async () => (await ui.bodyRows(table).count()) === up.errors.length,
        `${up.errors.length} rows in "Rejected rows"`);
    const head = (await table.locator('th').allTextContents()).map((s) => s.trim());
    t.ok(head.includes('Line') && head.includes('Reason'), `"Rejected rows" has columns Line and Reason (${head})`);
    for (const [i, e] of up.errors.entries()) {
        const cells = (await ui.bodyRows(table).nth(i).locator('td, th').allTextContents()).map((s) => s.trim());
        t.ok(cells.includes(String(e.line)), `rejected row ${i + 1} shows line ${e.line} (${cells})`);
        t.ok(cells.some((c) => c.includes(e.error)), `rejected row ${i + 1} shows the reason "${e.error}" (${cells})`);
    }
    const preview = page.getByRole('table', { name: 'Preview' });
    await until(async () => (await ui.bodyRows(preview).count()) === up.count, `${up.count} rows in "Preview"`);
}

module.exports = {
    name: 'rejected_rows',
    async run(t) {
        const srv = await t.server();
        const page = await t.page();
        await page.goto(`${srv.url}/#/leads`);
        await ui.h1(page, 'Leads');
        await page.getByLabel('Choose a CSV file', { exact: true })
            .setInputFiles({ name: 'bad-rows.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
        const list = await until(async () => {
            const r = await srv.expect(200, 'GET', '/uploads');
            return r.json.items.length === 1 && r.json.items[0];
        }, 'the upload to be stored');
        const up = (await srv.expect(200, 'GET', `/uploads/${list.id}`)).json;
        t.equal([up.count, up.rejected, up.errors.length], [4, 3, 3], 'the API: 4 accepted, 3 rejected');
        t.equal(up.errors.map((e) => e.line), [3, 5, 7], 'the API: lines 3, 5 and 7 rejected');
        await checkSummary(t, page, up);
        await t.shot(page, 'leads');

        /* The same summary from "Earlier uploads" (#/leads/{id}), after a reload. */
        await page.reload();
        await ui.h1(page, 'Leads');
        await page.locator(`a[href$="#/leads/${up.id}"]`).first().click();
        await until(() => ui.hash(page) === `#/leads/${up.id}`, `#/leads/${up.id}`);
        await checkSummary(t, page, up);
        await t.shot(page, 'upload');
    },
};
