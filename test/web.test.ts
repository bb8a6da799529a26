import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, TOKEN } from './helpers/node.ts';
import { launchChromium, screenshot } from './helpers/browser.ts';
import { segmentLabel } from '../src/web/format.ts';

// Two plays a segment could be cut at, a scene that fails with a traceback on line 13.
const SCENE = `from manim import *

class Moving(Scene):
    def construct(self):
        d = Dot()
        for _ in range(6):
            self.play(d.animate.shift(RIGHT * 0.4), run_time=1)


class Broken(Scene):
    def construct(self):
        self.play(FadeIn(Circle()), run_time=0.5)
        raise ValueError("always broken")
`;
// Cut small (a segment of a few plays) so that both nodes' lanes fill.
const RENDER = {
  render: { resolution: [192, 108] as [number, number], fps: 15 },
  segments: { minFrames: 15, perWorker: 2, setupSeconds: 0.2, rebalance: false },
  functionModules: [],
  concurrency: 1,
};

let db: Awaited<ReturnType<typeof freshDatabase>>;
let nodes: Awaited<ReturnType<typeof testNode>>[] = [];
let browser: Browser;
let context: BrowserContext;
let page: Page;
let url: string;

beforeAll(async () => {
  db = await freshDatabase();
  nodes = [await testNode(db.url, RENDER, 'web-a'), await testNode(db.url, RENDER, 'web-b')];
  url = nodes[0]!.url;
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  page = await context.newPage();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  for (const n of nodes) await n.stop();
  await db?.drop();
});

const jobState = (state: string) => page.waitForSelector(`article.job[data-state="${state}"]`, { timeout: 300_000 });

describe('the web page', () => {
  it('asks for the token, refuses a wrong one, and logs in with an HttpOnly SameSite=Strict cookie', async () => {
    await page.goto(url);
    await expect(page.getByLabel('Cluster token').isVisible()).resolves.toBe(true);
    await page.getByLabel('Cluster token').fill('not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('That is not the cluster token.').waitFor();
    await screenshot(page, '0-login');
    await page.getByLabel('Cluster token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('tr[data-node="web-b"]').waitFor();
    const login = (await context.cookies()).find((c) => c.name === 'nn_token');
    expect(login).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await page.locator('#live', { hasText: 'live' }).waitFor();
  });

  it('logs in from the address `networknodes open` opens (#token=…), and forgets the token there', async () => {
    const other = await browser.newContext();
    const tab = await other.newPage();
    await tab.goto(`${url}/#token=${TOKEN}`);
    await tab.locator('tr[data-node="web-a"]').waitFor();
    expect(tab.url()).not.toContain(TOKEN);
    await other.close();
  });

  it('accepts the cookie for reading, but a state-changing request with it needs the CSRF header', async () => {
    const cookies = await context.cookies();
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    expect((await fetch(`${url}/jobs`, { headers: { cookie } })).status).toBe(200);
    const forged = await fetch(`${url}/nodes/web-b/drain`, { method: 'POST', headers: { cookie } });
    expect(forged.status).toBe(403);
    expect((await forged.json()).error).toMatch(/cross-site request refused/);
    const csrf = cookies.find((c) => c.name === 'nn_csrf')!.value;
    const wrong = await fetch(`${url}/nodes/web-b/pause`, { method: 'POST', headers: { cookie, 'x-csrf-token': `${csrf}x` } });
    expect(wrong.status).toBe(403);
    // the CLI's Bearer token and the open health check are as before; the event stream needs the token
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/events`)).status).toBe(401);
    const bad = await api(url)('/events', { headers: { 'last-event-id': 'yesterday' } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/Last-Event-ID/);
    await expect(page.locator('tr[data-node="web-b"]').getAttribute('data-state')).resolves.toBe('online');
    // a login form posted from another site is refused (no logging a browser into someone else's farm)
    const elsewhere = await fetch(`${url}/login`, { method: 'POST', headers: { origin: 'http://elsewhere.example', 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${TOKEN}`, redirect: 'manual' });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get('set-cookie')).toBeNull();
  });

  it('submits a scene from the page and shows its progress, Gantt lanes and poster frames as it renders', async () => {
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await page.locator('#files').setInputFiles({ name: 'moving.py', mimeType: 'text/x-python', buffer: Buffer.from(SCENE) });
    await expect(page.getByRole('checkbox', { name: 'Moving' }).isChecked()).resolves.toBe(true);
    await expect(page.getByRole('checkbox', { name: 'Broken' }).isChecked()).resolves.toBe(true);
    await page.getByLabel('Quality').selectOption('l');
    await page.getByLabel('Format').selectOption('mp4');
    await page.getByRole('button', { name: 'Render' }).click();
    await page.waitForURL(/\?job=/);
    const frames = page.locator('.job-frames');
    await page.waitForFunction(() => /^\d+\/\d+$/.test(document.querySelector('.job-frames')?.textContent ?? ''), null, { timeout: 120_000 });
    const first = await frames.textContent();
    await page.locator('[data-scene="Moving"] .gbar').first().waitFor({ timeout: 120_000 });
    await screenshot(page, '1-rendering');
    await page.waitForFunction((seen) => document.querySelector('.job-frames')?.textContent !== seen, first, { timeout: 120_000 });
    await jobState('failed');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    // the list says where the job came from; each node that rendered a segment has its lane
    await expect(page.locator('.jobrow.sel .trigger').textContent()).resolves.toContain('web page');
    const lanes = await page.locator('[data-scene="Moving"] .lane-name').allTextContents();
    expect(lanes.length).toBeGreaterThan(0);
    for (const lane of lanes) expect(['web-a', 'web-b']).toContain(lane);
    await expect(page.locator('[data-scene="Moving"] .gbar.done').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('[data-scene="Moving"] .posters img').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('[data-scene="Moving"] .frames').textContent()).resolves.toMatch(/^90\/90 frames/);
  });

  it('plays the finished video and seeks in it', async () => {
    const video = page.locator('[data-scene="Moving"] video');
    await video.scrollIntoViewIfNeeded();
    const seeked = await video.evaluate(async (v: HTMLVideoElement) => {
      v.muted = true;
      if (v.readyState < 1) await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
      await v.play();
      v.currentTime = 4.5;
      await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
      v.pause();
      return { duration: v.duration, at: v.currentTime, seekable: v.seekable.length ? v.seekable.end(0) : 0 };
    });
    expect(seeked.duration).toBeCloseTo(6, 0);
    expect(seeked.seekable).toBeCloseTo(6, 0);
    expect(seeked.at).toBeCloseTo(4.5, 0);
    await screenshot(page, '2-finished');
  });

  it('shows the failed scene with its Python traceback, the user’s line marked, and retries it', async () => {
    const broken = page.locator('[data-scene="Broken"]');
    await expect(broken.locator('.error .msg').textContent()).resolves.toContain('ValueError: always broken');
    await expect(broken.locator('.traceback').textContent()).resolves.toContain('Traceback');
    await expect(broken.locator('.traceback mark').first().textContent()).resolves.toMatch(/moving\.py", line 13/);
    const before = page.url();
    await page.getByRole('button', { name: 'Retry failed scenes' }).click();
    await page.waitForURL((u) => u.toString() !== before && /\?job=/.test(u.toString()));
    await page.locator('.ids', { hasText: 'retry of' }).waitFor();
    await jobState('failed');
    await expect(page.locator('[data-scene]').evaluateAll((els) => els.map((e) => e.getAttribute('data-scene')))).resolves.toEqual(['Broken']);
    await expect(page.locator('[data-scene="Broken"] .traceback').textContent()).resolves.toContain('ValueError: always broken');
    await screenshot(page, '3-retried');
  });

  it('drains a node from its row and shows the new state without a reload', async () => {
    await page.getByRole('button', { name: 'Drain web-b' }).click();
    // idle, it is drained at its next heartbeat
    await page.waitForSelector('tr[data-node="web-b"][data-state="drained"]', { timeout: 60_000 });
    await expect(page.getByRole('button', { name: 'Drain web-b' }).isDisabled()).resolves.toBe(true);
    await page.goto(url + '/?job=' + new URL(page.url()).searchParams.get('job'));
    await screenshot(page, '4-drained');
    await page.getByRole('button', { name: 'Resume web-b' }).click();
    await page.waitForSelector('tr[data-node="web-b"][data-state="online"]');
  });

  it('sets a waiting job’s priority and cancels it from its page', async () => {
    const call = api(url);
    for (const n of ['web-a', 'web-b']) expect((await call(`/nodes/${n}/pause`, { method: 'POST' })).status).toBe(200);
    // A paused node's runner stops at its next heartbeat (4 s): until then it could take the job,
    // which on a loaded machine may finish before its priority is set.
    await new Promise((r) => setTimeout(r, 5000));
    const res = await call('/jobs', { method: 'POST', body: JSON.stringify({ files: { 'moving.py': SCENE }, scenes: ['Moving'] }) });
    const { id } = (await res.json()) as { id: string };
    await page.locator(`a.jobrow[data-job="${id}"]`).click();
    await page.locator(`article.job[data-job-id="${id}"]`).waitFor();
    await page.getByRole('spinbutton', { name: 'Priority' }).fill('5');
    await page.getByRole('button', { name: 'Set priority' }).click();
    await page.getByText('Priority set to 5').waitFor();
    expect((await (await call(`/jobs/${id}`)).json()).priority).toBe(5);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await jobState('cancelled');
    for (const n of ['web-a', 'web-b']) await call(`/nodes/${n}/resume`, { method: 'POST' });
  });
});

describe('what a segment renders, as the page and the terminal name it', () => {
  it('names whole plays, slices, encoders and shares that start or end inside a play', () => {
    expect(segmentLabel({ plays: [2, 5] })).toBe('plays 2–5');
    expect(segmentLabel({ plays: [0, -1] })).toBe('plays 0–…');
    expect(segmentLabel({ plays: [7, 7], slice: [0, 60] })).toBe('play 7, frames 0–59');
    expect(segmentLabel({ plays: [7, 7], encodes: true })).toBe('play 7, encoding');
    expect(segmentLabel({ plays: [2, 7], tail: 60 })).toBe('plays 2–6, play 7 to frame 59');
    expect(segmentLabel({ plays: [7, 9], head: 60 })).toBe('play 7 from frame 60, plays 8–9');
    expect(segmentLabel({ plays: [7, 7], head: 60 })).toBe('play 7 from frame 60');
    expect(segmentLabel({ plays: [7, 8], head: 60, tail: 30 })).toBe('play 7 from frame 60, play 8 to frame 29');
  });
});
