'use strict';
/*
 * tests/ui/lib/harness.js - what the UI tests and bench/ui share: the real
 * leadscore server on a loopback port (fresh database per test), the fake
 * model server, the API from Node, and Debian's Chromium driven by the pinned
 * playwright-core with every page guarded (dialogs, page errors, console
 * errors, CSP violations all fail the test).
 *
 * Binaries: $LEADSCORE_BIN (default build/asan/leadscore) and $FAKE_LLM_BIN
 * (default build/asan/tests/fake_llm), relative paths from the repository root.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SCREENS = path.join(ROOT, 'build', 'ui-screens');
const CHROMIUM = process.env.LS_CHROMIUM || '/usr/bin/chromium';

function binPath(env, dflt) {
    const p = process.env[env] || dflt;
    return path.isAbsolute(p) ? p : path.join(ROOT, p);
}
const LEADSCORE_BIN = () => binPath('LEADSCORE_BIN', 'build/asan/leadscore');
const FAKE_LLM_BIN = () => binPath('FAKE_LLM_BIN', 'build/asan/tests/fake_llm');

/* One temporary directory per process; removed at exit. */
let TMP = null;
function tmpdir() {
    if (!TMP) {
        TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-ui-'));
        process.on('exit', () => {
            if (!process.env.LS_UI_KEEP_TMP)
                fs.rmSync(TMP, { recursive: true, force: true });
        });
    }
    return TMP;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* Polls fn until it returns a truthy value; throws what with the last value otherwise. */
async function until(fn, what, timeoutMs = 15000, everyMs = 50) {
    const end = Date.now() + timeoutMs;
    let last;
    for (;;) {
        try {
            last = await fn();
            if (last)
                return last;
        } catch (e) {
            last = e;
        }
        if (Date.now() > end)
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${
                last instanceof Error ? last.message : JSON.stringify(last)})`);
        await sleep(everyMs);
    }
}

/* The environment a server gets: ours without any leadscore/model setting, plus extra. */
function serverEnv(extra) {
    const env = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (/^(LEADSCORE_|GEMINI_|OPENAI_)/.test(k))
            continue;
        env[k] = v;
    }
    return Object.assign(env, extra || {});
}

let seq = 0;

/*
 * A leadscore server. opts: {db, port (0: any), env: {...}, fake: a Fake (the
 * provider is then Gemini at it; else offline), prepare: fn(server) run once
 * before the first start (keys are created there)}.
 */
class Server {
    constructor(opts = {}) {
        this.opts = opts;
        const dir = tmpdir();
        this.db = opts.db || path.join(dir, `t${++seq}.db`);
        this.logPath = path.join(dir, `server-${seq}-${Date.now()}.log`);
        this.port = opts.port || 0;
        this.proc = null;
    }

    env() {
        const e = {};
        if (this.opts.fake) {
            e.LEADSCORE_AI_PROVIDER = 'gemini';
            e.GEMINI_BASE_URL = this.opts.fake.url;
            e.GEMINI_API_KEY = 'your-key-here';
        } else {
            e.LEADSCORE_AI_PROVIDER = 'offline';
        }
        return serverEnv(Object.assign(e, this.opts.env || {}));
    }

    async start() {
        if (this.opts.prepare && !this.prepared) { /* e.g. keys created before it starts */
            this.prepared = true;
            await this.opts.prepare(this);
        }
        const out = fs.openSync(this.logPath, 'a');
        const args = ['serve', '--host', '127.0.0.1', '--port', String(this.port), '--db', this.db];
        /* From the temporary directory, so that no .env of the checkout is read. */
        this.proc = spawn(LEADSCORE_BIN(), args, { cwd: tmpdir(), env: this.env(),
            stdio: ['ignore', out, out] });
        fs.closeSync(out);
        const proc = this.proc;
        let exited = null;
        proc.on('exit', (code, sig) => { exited = { code, sig }; });
        const startLen = this.port ? fs.statSync(this.logPath).size : 0;
        this.port = await until(() => {
            if (exited)
                throw new Error(`server exited early (${JSON.stringify(exited)}):\n${this.log()}`);
            const log = fs.readFileSync(this.logPath, 'utf8').slice(startLen);
            const m = /event=server\.listening.*?port=(\d+)/.exec(log);
            return m && Number(m[1]);
        }, 'the server to listen', 20000, 20);
        this.url = `http://127.0.0.1:${this.port}`;
        return this;
    }

    log() {
        try {
            return fs.readFileSync(this.logPath, 'utf8');
        } catch {
            return '';
        }
    }

    /* Stops it (SIGTERM, then SIGKILL after 10 s); resolves with the exit code or signal. */
    stop(sig = 'SIGTERM') {
        const p = this.proc;
        this.proc = null;
        if (!p || p.exitCode !== null || p.signalCode !== null)
            return Promise.resolve(p ? (p.exitCode ?? p.signalCode) : null);
        return new Promise((resolve) => {
            const t = setTimeout(() => p.kill('SIGKILL'), 10000);
            p.on('exit', (code, s) => { clearTimeout(t); resolve(code ?? s); });
            p.kill(sig);
        });
    }

    /*
     * One API request from Node (no Origin header, like curl). body: an object
     * (sent as JSON) or a string/Buffer with opts.type. Returns {status, headers,
     * text, json, buf}.
     */
    async api(method, p, body, opts = {}) {
        const headers = Object.assign({}, opts.headers || {});
        if (opts.key)
            headers.Authorization = `Bearer ${opts.key}`;
        let payload;
        if (body !== undefined && body !== null) {
            if (typeof body === 'string' || Buffer.isBuffer(body)) {
                payload = body;
                headers['Content-Type'] = opts.type || 'text/csv';
            } else {
                payload = JSON.stringify(body);
                headers['Content-Type'] = 'application/json';
            }
        }
        const r = await fetch(this.url + p, { method, headers, body: payload });
        const buf = Buffer.from(await r.arrayBuffer());
        const text = buf.toString('utf8');
        let json;
        try {
            json = JSON.parse(text);
        } catch {
            json = undefined;
        }
        return { status: r.status, headers: r.headers, text, json, buf };
    }

    /* api() that insists on the status. */
    async expect(status, method, p, body, opts) {
        const r = await this.api(method, p, body, opts);
        if (r.status !== status)
            throw new Error(`${method} ${p}: expected ${status}, got ${r.status}: ${r.text.slice(0, 500)}`);
        return r;
    }

    /* The job once it has finished (succeeded, failed or cancelled). */
    async waitJob(id, opts = {}, timeoutMs = 60000) {
        return until(async () => {
            const r = await this.expect(200, 'GET', `/jobs/${id}`, null, opts);
            return ['succeeded', 'failed', 'cancelled', 'stopped'].includes(r.json.status) && r.json; /* at rest */
        }, `job ${id} to finish`, timeoutMs, 100);
    }

    /* Offer (examples/offer.json) + upload (csv) + a finished job through the API. */
    async seed(csv, opts = {}) {
        const offer = await this.expect(201, 'POST', '/offers', exampleOffer(), opts);
        const up = await this.expect(201, 'POST', '/uploads?filename=leads.csv', csv, opts);
        const job = await this.expect(202, 'POST', '/jobs',
            { offer_id: offer.json.offer_id, upload_id: up.json.upload_id }, opts);
        const done = await this.waitJob(job.json.id, opts);
        return { offerId: offer.json.offer_id, uploadId: up.json.upload_id, job: done };
    }

    /* `leadscore keys create --db DB --workspace W --role R`: the key (stdout). */
    createKey(workspace, role) {
        const out = execFileSync(LEADSCORE_BIN(),
            ['keys', 'create', '--db', this.db, '--workspace', workspace, '--role', role],
            { cwd: tmpdir(), env: serverEnv({}), stdio: ['ignore', 'pipe', 'pipe'] }).toString();
        const key = out.trim();
        if (!/^lsk_[0-9a-f]{48}$/.test(key))
            throw new Error(`keys create printed no key: ${JSON.stringify(out)}`);
        return key;
    }
}

/* The fake model server (tests/integ/fake_llm.c). */
class Fake {
    async start() {
        this.proc = spawn(FAKE_LLM_BIN(), [], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        this.proc.stdout.on('data', (d) => { out += d; });
        this.port = await until(() => {
            if (this.proc.exitCode !== null)
                throw new Error(`fake_llm exited: ${out}`);
            const m = /port=(\d+)/.exec(out);
            return m && Number(m[1]);
        }, 'fake_llm to listen', 10000, 20);
        this.url = `http://127.0.0.1:${this.port}`;
        return this;
    }

    async config(obj) {
        const r = await fetch(`${this.url}/_fake/config`, { method: 'POST',
            headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(obj) });
        await r.arrayBuffer();
    }

    stop() {
        const p = this.proc;
        this.proc = null;
        if (!p || p.exitCode !== null || p.signalCode !== null)
            return Promise.resolve();
        return new Promise((resolve) => {
            p.on('exit', () => resolve());
            p.kill('SIGKILL');
        });
    }
}

let OFFER = null;
function exampleOffer() {
    if (!OFFER)
        OFFER = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'offer.json'), 'utf8'));
    return JSON.parse(JSON.stringify(OFFER));
}

/* n leads as CSV: a mix of roles, so every intent occurs. */
function genLeads(n, prefix = 'Lead') {
    const roles = ['VP of Sales', 'Head of Growth', 'Marketing Manager', 'Software Engineer',
        'Founder', 'Sales Lead', 'Analyst'];
    const inds = ['B2B SaaS', 'Fintech', 'E-commerce', 'Healthcare'];
    const rows = ['name,role,company,industry,location,linkedin_bio'];
    for (let i = 1; i <= n; i++)
        rows.push(`${prefix} ${i},${roles[i % roles.length]},Company ${i},${inds[i % inds.length]},` +
            `City ${i % 13},Scaling outbound pipeline and hiring for growth ${i}.`);
    return rows.join('\n') + '\n';
}

/* ---- the browser ------------------------------------------------------------ */

let pw = null;
function playwright() {
    if (!pw) {
        try {
            pw = require(path.join(__dirname, '..', 'node_modules', 'playwright-core'));
        } catch (e) {
            throw new Error('playwright-core is not installed: run npm ci --prefix tests/ui ' +
                `(scripts/install-deps does) - ${e.message}`);
        }
    }
    return pw;
}

/*
 * Debian's Chromium with a fresh profile: playwright-core's launch() makes a new
 * user-data directory in os.tmpdir() for each browser and removes it on close
 * (passing --user-data-dir itself is refused); TMPDIR points it into ours.
 */
async function launch() {
    if (!fs.existsSync(CHROMIUM))
        throw new Error(`${CHROMIUM} is missing (scripts/install-deps installs Debian's chromium)`);
    const profiles = path.join(tmpdir(), 'profiles');
    fs.mkdirSync(profiles, { recursive: true });
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = profiles;
    try {
        return await playwright().chromium.launch({
            executablePath: CHROMIUM,
            headless: true,
            args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--no-first-run',
                '--disable-dev-shm-usage'],
        });
    } finally {
        if (saved === undefined)
            delete process.env.TMPDIR;
        else
            process.env.TMPDIR = saved;
    }
}

/*
 * Records securitypolicyviolation events twice: through a binding (survives
 * navigations) and in window.__lsCsp (read at the end, as a cross-check).
 */
const CSP_INIT = `(() => {
    window.__lsCsp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
        const v = { directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample,
                    source: e.sourceFile, line: e.lineNumber };
        window.__lsCsp.push(v);
        try { window.__lsCspReport(JSON.stringify(v)); } catch (_) {}
    }, true);
})();`;

/*
 * A guarded browser context for one test. opts: {viewport, allowStatus: [401, ...]
 * (HTTP statuses the page may receive, whose "Failed to load resource" console
 * lines are then not errors), allowNetworkErrors: true (the server is stopped
 * on purpose), isMobile}. Problems go to t.problems; the runner fails the test on any.
 */
async function guardedContext(browser, t, opts = {}) {
    const context = await browser.newContext({
        viewport: opts.viewport || { width: 1280, height: 800 },
        acceptDownloads: true,
        deviceScaleFactor: 1,
        isMobile: !!opts.isMobile,
        hasTouch: !!opts.isMobile,
    });
    context.setDefaultTimeout(10000);
    const problems = t.problems;
    const allow = new Set(opts.allowStatus || []);
    await context.exposeBinding('__lsCspReport', (_src, v) => {
        problems.push(`CSP violation: ${v}`);
    });
    await context.addInitScript({ content: CSP_INIT });
    context.on('page', (page) => guardPage(page, t, allow, opts));
    const page = await context.newPage();
    return { context, page };
}

function guardPage(page, t, allow, opts) {
    const problems = t.problems;
    page.on('dialog', (d) => {
        problems.push(`dialog (${d.type()}): ${d.message()}`);
        d.dismiss().catch(() => {});
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
        if (m.type() !== 'error')
            return;
        const text = m.text();
        /* Chromium logs every non-2xx fetch as a console error: allowed statuses only. */
        const st = /^Failed to load resource: the server responded with a status of (\d+)/.exec(text);
        if (st && allow.has(Number(st[1])))
            return;
        /* The server stopped on purpose: refused and cut connections are expected. */
        if (opts.allowNetworkErrors && /net::ERR_/.test(text))
            return;
        const loc = m.location();
        problems.push(`console error: ${text}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    });
    page.on('response', (r) => {
        if (r.status() >= 500)
            problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
        else if (r.status() >= 400 && !allow.has(r.status()))
            problems.push(`unexpected HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
    });
}

/* What the page's own window.__lsCsp holds (it resets on navigation; the binding does not). */
async function cspViolations(page) {
    try {
        return await page.evaluate(() => window.__lsCsp || []);
    } catch {
        return [];
    }
}

/* Writes build/ui-screens/<test>-<screen>.png. */
async function screenshot(page, test, screen) {
    fs.mkdirSync(SCREENS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENS, `${test}-${screen}.png`), fullPage: true });
}

module.exports = {
    ROOT, SCREENS, Server, Fake, launch, guardedContext, cspViolations, screenshot, until, sleep,
    exampleOffer, genLeads, tmpdir, LEADSCORE_BIN,
};
