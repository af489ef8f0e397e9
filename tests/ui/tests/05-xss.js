'use strict';
/*
 * Hostile text in every field the dashboard shows (lead names, companies,
 * bios, the offer, the upload's filename), scored and viewed on every screen:
 * no dialog, no CSP violation, no page error; each text appears literally
 * (textContent equals the input); no element from a payload exists; a long
 * unbroken string neither widens the page nor a table cell past the viewport.
 */
const { exampleOffer, until } = require('../lib/harness');
const ui = require('../lib/ui');

const LONG = 'W'.repeat(3000);
const P = [
    '<img src=x onerror=alert(1)>',
    '</script><script>alert(1)</script>',
    'javascript:alert(1)',
    '"><svg onload=alert(1)>',
    LONG,
];
const FILENAME = '"><svg onload=alert(1)>.csv';
const OFFER_NAME = '<img src=x onerror=alert(1)>';

function csvField(s) {
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/* Lead i's bio: a payload, marked so that it cannot be mistaken for another field. */
function bio(i) {
    return `${P[(i + 2) % P.length]} (bio ${i})`;
}

function csv() {
    const roles = ['VP of Sales', 'Head of Growth', 'Marketing Manager', 'Software Engineer', 'Founder'];
    const rows = ['name,role,company,industry,location,linkedin_bio'];
    P.forEach((p, i) => rows.push([p, roles[i], P[(i + 1) % P.length], 'B2B SaaS', 'Berlin',
        bio(i)].map(csvField).join(',')));
    return rows.join('\n') + '\n';
}

/* Nothing a payload could have made, and the page no wider than the viewport. */
async function assertSafe(t, page, where) {
    const found = await page.evaluate(() => {
        const bad = [];
        if (document.querySelector('img[src="x"]'))
            bad.push('img[src=x]');
        for (const el of document.querySelectorAll('svg'))
            if (el.hasAttribute('onload'))
                bad.push('svg[onload]');
        for (const el of document.querySelectorAll('*'))
            for (const a of el.attributes)
                if (/^on/i.test(a.name))
                    bad.push(`${el.tagName.toLowerCase()}[${a.name}]`);
        for (const el of document.querySelectorAll('[href], [src], [action], [formaction]'))
            for (const a of ['href', 'src', 'action', 'formaction'])
                if (/^\s*javascript:/i.test(el.getAttribute(a) || ''))
                    bad.push(`${el.tagName.toLowerCase()}[${a}=javascript:]`);
        const scripts = [...document.scripts].filter((s) => !/^\/assets\/(app|boot)\.[0-9a-f]+\.js$/.test(s.getAttribute('src') || ''));
        if (scripts.length)
            bad.push(`extra script elements: ${scripts.map((s) => s.outerHTML.slice(0, 80)).join(', ')}`);
        return bad;
    });
    t.ok(found.length === 0, `${where}: elements from the payloads: ${found.join(', ')}`);
    await ui.assertNoOverflow(t, page, where);
    t.clean();
}

/* Every text of want is the whole textContent of some element matching sel. */
async function assertLiteral(t, page, sel, want, where) {
    const texts = new Set(await page.locator(sel).evaluateAll((els) => els.map((e) => e.textContent)));
    for (const w of want)
        t.ok(texts.has(w), `${where}: no ${sel} whose textContent is exactly ${JSON.stringify(w.slice(0, 60))}${w.length > 60 ? `... (${w.length} chars)` : ''}`);
}

/* The cell holding the long string is narrower than the viewport (clipped or wrapped). */
async function assertLongCellFits(t, page, scope, where) {
    const w = await scope.locator('td, th').evaluateAll((els, long) => {
        const el = els.find((e) => e.textContent === long);
        return el ? { cell: el.getBoundingClientRect().width, viewport: window.innerWidth } : null;
    }, LONG);
    t.ok(w, `${where}: a cell holds the long string`);
    t.ok(w.cell <= w.viewport, `${where}: the long string's cell is ${Math.round(w.cell)} px wide, wider than the viewport (${w.viewport})`);
}

module.exports = {
    name: 'xss',
    async run(t) {
        const srv = await t.server();
        const offer = Object.assign(exampleOffer(), { name: OFFER_NAME, value_props: [P[1], P[3]] });
        const o = await srv.expect(201, 'POST', '/offers', offer);
        const page = await t.page();

        await page.goto(`${srv.url}/#/offers`);
        await ui.h1(page, 'Offers');
        await ui.waitText(page, /onerror/, 'the offer\'s name in the list');
        await assertSafe(t, page, 'offers');
        await t.shot(page, 'offers');
        await page.goto(`${srv.url}/#/offers/${o.json.offer_id}`);
        await ui.waitText(page, /onload/, 'the offer\'s value propositions');
        await assertSafe(t, page, 'offer detail');
        await t.shot(page, 'offer');

        await ui.go(page, 'Leads');
        await page.getByLabel('Choose a CSV file', { exact: true })
            .setInputFiles({ name: FILENAME, mimeType: 'text/csv', buffer: Buffer.from(csv()) });
        const preview = page.getByRole('table', { name: 'Preview' });
        await until(async () => (await ui.bodyRows(preview).count()) === P.length, `${P.length} rows in "Preview"`);
        const ups = (await srv.expect(200, 'GET', '/uploads')).json.items;
        t.equal([ups.length, ups[0].count, ups[0].filename], [1, P.length, FILENAME], 'the API stored every lead and the filename');
        await assertLiteral(t, page, 'td, th', P, 'leads preview');
        await assertLiteral(t, page, 'td, th', P.map((_, i) => bio(i)), 'leads preview (bios)');
        await assertLongCellFits(t, page, preview, 'leads preview');
        await ui.waitText(page, /onload=alert\(1\)>\.csv/, 'the filename, as text');
        await assertSafe(t, page, 'leads');
        await t.shot(page, 'leads');

        await ui.go(page, 'Runs');
        await ui.waitText(page, /onerror/, 'the offer\'s name among the choices');
        await page.getByRole('button', { name: 'Start run', exact: true }).click();
        await until(() => /^#\/runs\/\d+$/.test(ui.hash(page)), 'the run page');
        const id = Number(ui.hash(page).split('/')[2]);
        t.equal((await srv.waitJob(id)).status, 'succeeded', 'the run succeeded');
        await page.getByRole('link', { name: 'View results', exact: true }).waitFor();
        await assertSafe(t, page, 'run');
        await t.shot(page, 'run');
        await ui.go(page, 'Runs');
        await page.locator(`a[href$="#/runs/${id}"]`).first().waitFor();
        await assertSafe(t, page, 'runs');
        await t.shot(page, 'runs');

        await ui.go(page, 'Results');
        const table = ui.resultsTable(page);
        await until(async () => (await ui.bodyRows(table).count()) === P.length, `${P.length} results`);
        await assertLiteral(t, page, 'td, th', P, 'results');
        await assertLongCellFits(t, page, table, 'results');
        await assertSafe(t, page, 'results');
        await t.shot(page, 'results');

        /* The details of the long name and of the img payload. */
        const results = (await srv.expect(200, 'GET', `/jobs/${id}/results`)).json;
        const dialog = page.getByRole('dialog', { name: 'Lead detail' });
        for (const [i, who] of [[4, 'long'], [0, 'img']]) {
            const n = results.findIndex((r) => r.name === P[i]);
            t.ok(n >= 0, `the API has the lead named ${who}`);
            await ui.bodyRows(table).nth(n).locator('td, th').filter({ hasText: P[i].slice(0, 40) }).first().click();
            await dialog.waitFor();
            const dtext = await dialog.evaluate((d) => d.textContent);
            const r = results[n];
            for (const f of ['name', 'company', 'reasoning'])
                t.ok(dtext.includes(r[f]), `detail (${who}): the ${f} appears literally`);
            /* Results carry no bio until issue #9 (the seed's never did): the bios are checked
             * literally in the leads preview above, and here only when the result has one. */
            if (r.linkedin_bio !== undefined)
                t.ok(dtext.includes(bio(i)), `detail (${who}): the bio appears literally`);
            await assertLiteral(t, page, '[role=dialog] *', [P[i]], `detail (${who})`);
            const box = await dialog.evaluate((d) => {
                const b = d.getBoundingClientRect();
                return { left: b.left, right: b.right, vw: window.innerWidth };
            });
            t.ok(box.left >= -1 && box.right <= box.vw + 1, `detail (${who}): the panel stays inside the viewport (${JSON.stringify(box)})`);
            await assertSafe(t, page, `detail (${who})`);
            await t.shot(page, `detail-${who}`);
            await page.keyboard.press('Escape');
            await dialog.waitFor({ state: 'hidden' });
        }

        await ui.go(page, 'Status');
        await assertSafe(t, page, 'status');
    },
};
