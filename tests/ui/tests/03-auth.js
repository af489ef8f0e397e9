'use strict';
/*
 * A server with keys: the page asks for sign-in; a wrong key is refused with
 * the server's message; the member key signs in (an HttpOnly cookie); sign-out
 * returns to the form; the viewer key signs in and may not start a run - the
 * page shows the server's 403 message and the API shows no job.
 */
const { exampleOffer, genLeads, until } = require('../lib/harness');
const ui = require('../lib/ui');

async function signIn(page, key) {
    const input = page.getByLabel('API key', { exact: true });
    await input.fill(key);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

module.exports = {
    name: 'auth',
    async run(t) {
        const srv = await t.server({ prepare: (s) => {
            s.member = s.createKey('sales', 'member');
            s.viewer = s.createKey('sales', 'viewer');
        } });
        const member = { key: srv.member }, viewer = { key: srv.viewer };
        await srv.expect(201, 'POST', '/offers', exampleOffer(), member);
        await srv.expect(201, 'POST', '/uploads?filename=leads.csv', genLeads(5), member);
        const wrongKey = `lsk_${'0'.repeat(48)}`;
        const wrong = await srv.expect(401, 'POST', '/session', { key: wrongKey });
        const refused = await srv.expect(403, 'POST', '/jobs', {}, viewer);

        /* 401: GET /session before sign-in and the wrong key; 403: the viewer's run. */
        const page = await t.page({ allowStatus: [401, 403] });
        await page.goto(`${srv.url}/`);
        const input = page.getByLabel('API key', { exact: true });
        await input.waitFor();
        t.equal(await input.getAttribute('type'), 'password', 'the "API key" input is a password input');
        t.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'no "Sign out" before sign-in');
        await t.shot(page, 'signin');

        await signIn(page, wrongKey);
        const form = page.locator('form').filter({ has: input });
        await until(async () => (await form.innerText()).includes(wrong.json.error),
            `the form to show the server's message "${wrong.json.error}"`);
        t.equal((await page.context().cookies()).length, 0, 'a wrong key sets no cookie');
        await t.shot(page, 'signin-refused');

        await signIn(page, srv.member);
        const signOut = page.getByRole('button', { name: 'Sign out', exact: true });
        await signOut.waitFor();
        await ui.waitText(page, /sales/, 'the workspace (sales) in the header');
        await ui.waitText(page, /member/, 'the role (member) in the header');
        const cookies = await page.context().cookies(srv.url);
        t.ok(cookies.length > 0, 'signing in sets a cookie');
        for (const c of cookies)
            t.ok(c.httpOnly, `cookie ${c.name} is HttpOnly`);
        t.equal(await page.evaluate(() => document.cookie), '', 'the page\'s script cannot read the cookie');
        const html = await page.content();
        t.ok(!html.includes(srv.member), 'the key is not left in the page');
        await ui.go(page, 'Offers');
        await t.shot(page, 'signed-in');

        await signOut.click();
        await input.waitFor();
        t.equal(await signOut.count(), 0, 'no "Sign out" once signed out');
        await page.reload();
        await input.waitFor();
        await t.shot(page, 'signed-out');

        await signIn(page, srv.viewer);
        await signOut.waitFor();
        await ui.waitText(page, /viewer/, 'the role (viewer) in the header');
        await ui.go(page, 'Runs');
        await page.getByRole('button', { name: 'Start run', exact: true }).click();
        await ui.waitText(page, new RegExp(refused.json.error.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
            `the server's 403 message "${refused.json.error}" on the runs screen`);
        t.equal(ui.hash(page), '#/runs', 'a refused run stays on the runs screen');
        await t.shot(page, 'viewer-refused');
        const jobs = (await srv.expect(200, 'GET', '/jobs', null, member)).json;
        t.equal(jobs.total, 0, 'the API lists no job');
    },
};
