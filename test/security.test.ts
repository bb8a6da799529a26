/**
 * Nobody gets in: the join string pins the coordinator's certificate, the API serves HTTPS with it
 * and wants the token, an mDNS-found coordinator must prove it holds the token, and Postgres admits
 * only what nodes need, from where they are, over SSL.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { request } from 'undici';
import { startCoordinator, type Coordinator } from '../src/runtime/coordinator.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { parseConfig } from '../src/config/load.ts';
import { certFingerprint, clusterProof, loadOrCreateCertificate } from '../src/lib/cert.ts';
import { formatJoinString, parseJoinString } from '../src/lib/join-string.ts';
import { clusterTarget, openClusterClient, pinnedAgent, proveCoordinator } from '../src/cli/client.ts';
import { joinCluster } from '../src/cli/join.ts';
import { NODE_ROLE } from '../src/db/roles.ts';
import { reachableUrl } from '../src/lib/hosts.ts';
import { pinnedDatabaseUrl, postgresJsTarget } from '../src/db/tls.ts';
import { waitFor } from './helpers/node.ts';
import { z } from 'zod';

const SCENE = `from manim import *\n\nclass Tiny(Scene):\n    def construct(self):\n        self.play(Create(Square()), run_time=0.3)\n        self.play(FadeOut(Square()), run_time=0.3)\n`;
const WRONG_FP = Array.from({ length: 32 }, () => 'AB').join(':');
const home = mkdtempSync(join(tmpdir(), 'nn-security-'));
let coordinator: Coordinator;

/** A one-connection postgres.js client that gives up at once (a refusal is what is asserted). */
const pg = (url: string, ssl?: object) => postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {}, ...(ssl && { ssl }) });

async function refusal(url: string, ssl?: object): Promise<string> {
  const sql = pg(url, ssl);
  try {
    await sql`select 1`;
    return 'connected';
  } catch (err) {
    return (err as Error).message;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

beforeAll(async () => {
  // HTTPS even on loopback (tls: 'on'), so that the pinning is tried for real; the coordinator plans
  // and stitches, segments go to the joined node.
  const config = parseConfig({ home, http: { port: 0, tls: 'on' }, functions: ['plan', 'stitch'], concurrency: 1 }, {});
  coordinator = await startCoordinator(config);
}, 120_000);
afterAll(async () => {
  await coordinator?.stop();
});

describe('the join string', () => {
  it('carries URL, token and fingerprint, and says what is wrong with a damaged one', () => {
    const info = { url: 'https://192.168.1.20:8787', token: 'a-token-of-enough-length', fingerprint: WRONG_FP };
    expect(parseJoinString(formatJoinString(info))).toEqual(info);
    expect(() => parseJoinString('nn1:@@@')).toThrow(/the join string is damaged/);
    expect(() => parseJoinString(`nn1:${Buffer.from('{"url":"ftp://x","token":"t"}').toString('base64url')}`)).toThrow(/damaged: url: .*token:/s);
    expect(() => parseJoinString('https://x')).toThrow(/not a join string/);
    // A coordinator serving on every interface puts an address of this machine in its join string.
    const lan = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
    if (lan.length) expect(lan).toContain(new URL(reachableUrl('https://0.0.0.0:8787')).hostname);
    // Another URL given with the join string is not pinned to the join string's certificate.
    expect(clusterTarget({ join: formatJoinString(info), cluster: 'https://10.0.0.9:8787' })).toEqual({ url: 'https://10.0.0.9:8787', token: info.token, fingerprint: undefined });
  });

  it('is printed by the coordinator and pins the certificate in its home', () => {
    const info = parseJoinString(coordinator.joinString);
    expect(info.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(info.token).toBe(coordinator.token);
    expect(info.fingerprint).toBe(certFingerprint(readFileSync(join(home, 'tls.crt'), 'utf8')));
  });
});

describe('the HTTP API', () => {
  it('serves HTTPS with the pinned certificate: a client pinning another refuses to send anything', async () => {
    const info = parseJoinString(coordinator.joinString);
    const client = await openClusterClient(info);
    expect((await client.call('/nodes', z.object({ nodes: z.array(z.unknown()) }))).nodes.length).toBeGreaterThan(0);
    // Not a certificate any CA vouches for: an unpinned TLS client refuses it.
    await expect(fetch(`${info.url}/health`)).rejects.toThrow();
    const impostor = await openClusterClient({ ...info, fingerprint: WRONG_FP });
    await expect(impostor.call('/nodes', z.unknown())).rejects.toThrow(/shows certificate [0-9A-F:]+, not the pinned AB:AB.*nothing was sent/);
  });

  it('wants the token for everything but the health check and the proof', async () => {
    const { url, fingerprint } = parseJoinString(coordinator.joinString);
    const dispatcher = pinnedAgent(fingerprint!, url);
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const res = await request(url + path, { headers, dispatcher });
      return { status: res.statusCode, body: (await res.body.json()) as { error?: string } };
    };
    expect((await get('/jobs')).status).toBe(401);
    expect((await get('/jobs')).body.error).toMatch(/missing cluster token/);
    expect(await get('/cluster', { authorization: 'Bearer not-the-token-at-all' })).toEqual({ status: 401, body: { error: 'wrong cluster token' } });
    expect((await get('/health')).status).toBe(200);
  });

  it('proves the coordinator holds the token before a node sends it; a wrong token gets no proof', async () => {
    const { url, fingerprint } = parseJoinString(coordinator.joinString);
    const nonce = randomBytes(32).toString('hex');
    const res = await request(`${url}/cluster/proof`, { method: 'POST', body: JSON.stringify({ nonce }), headers: { 'content-type': 'application/json' }, dispatcher: pinnedAgent(fingerprint!, url) });
    expect(await res.body.json()).toEqual({ proof: clusterProof(coordinator.token, nonce, fingerprint!), fingerprint });
    const bad = await request(`${url}/cluster/proof`, { method: 'POST', body: '{"nonce":"short"}', dispatcher: pinnedAgent(fingerprint!, url) });
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.text()).toMatch(/nonce: 64 lower-case hex/);
    // What a node that found the coordinator over mDNS does: it learns the fingerprint to pin.
    expect(await proveCoordinator(url, coordinator.token)).toBe(fingerprint);
    await expect(proveCoordinator(url, 'the-wrong-token-0123456789')).rejects.toThrow(/could not prove it holds this cluster token: the token is wrong, or it is not your coordinator \(nothing secret was sent\)/);
    // A join with the URL and a wrong token stops there, before the token is sent.
    await expect(joinCluster({ config: parseConfig({ home: mkdtempSync(join(tmpdir(), 'nn-sec-node-')) }, {}), target: { url, token: 'the-wrong-token-0123456789' } })).rejects.toThrow(/could not prove/);
  });
});

describe('a node joined with the join string', () => {
  it('renders as the least-privilege role over SSL pinned to the coordinator certificate', async () => {
    const nodeHome = mkdtempSync(join(tmpdir(), 'nn-sec-node-'));
    const config = parseConfig({ home: nodeHome, functions: ['render-segment'], concurrency: 1, nice: 0 }, {});
    await expect(joinCluster({ config, target: { ...parseJoinString(coordinator.joinString), fingerprint: WRONG_FP } })).rejects.toThrow(/not the pinned/);
    const node = await joinCluster({ config, target: parseJoinString(coordinator.joinString), name: 'secure-node' });
    try {
      const sessions = await node.services.database.sql`select current_user as role, s.ssl from pg_stat_ssl s where s.pid = pg_backend_pid()`;
      expect(sessions[0]).toEqual({ role: NODE_ROLE, ssl: true });
      const client = await openClusterClient(parseJoinString(coordinator.joinString));
      const { id } = await client.call('/jobs', z.object({ id: z.string() }), { method: 'POST', body: JSON.stringify({ files: { 'tiny.py': SCENE }, options: { resolution: [192, 108], fps: 15 } }), headers: { 'content-type': 'application/json' } });
      const job = await waitFor(async () => {
        const j = await client.call(`/jobs/${id}`, z.object({ state: z.string(), scenes: z.array(z.object({ segments: z.array(z.object({ node: z.string().nullable() })) })) }));
        return ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
      }, 180_000, 'the job');
      expect(job.state).toBe('succeeded');
      expect(job.scenes[0]!.segments.map((s) => s.node)).toEqual(job.scenes[0]!.segments.map(() => 'secure-node'));
    } finally {
      await node.stop();
    }
  }, 240_000);
});

describe('the embedded Postgres', () => {
  const nodeUrl = () => pinnedDatabaseUrl(coordinator.embedded!.url.replace(/\/\/[^@]+@/, `//${NODE_ROLE}:${readFileSync(join(home, 'postgres-node-password'), 'utf8').trim()}@`), join(home, 'tls.crt'));

  it('admits loopback with a password only, and listens only where the HTTP server does', async () => {
    const hba = readFileSync(join(coordinator.embedded!.dataDir, 'pg_hba.conf'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(hba.every((l) => /scram-sha-256$/.test(l.trim()))).toBe(true);
    expect(hba.join('\n')).not.toMatch(/0\.0\.0\.0\/0|::\/0|trust/);
    const { port } = coordinator.embedded!;
    expect(await refusal(`postgres://networknodes@127.0.0.1:${port}/postgres`)).toMatch(/password/i);
    expect(await refusal(`postgres://networknodes:wrong@127.0.0.1:${port}/postgres`)).toMatch(/password authentication failed/);
    // The machine's LAN address: nothing listens there for a coordinator on loopback.
    expect(await refusal(`postgres://networknodes:x@192.0.2.2:${port}/postgres`)).toMatch(/ECONNREFUSED/);
  });

  it('serves SSL with the coordinator certificate: a client pinning it connects, one pinning another does not', async () => {
    const target = postgresJsTarget(nodeUrl());
    expect(await refusal(target.url, target.ssl)).toBe('connected');
    const other = await loadOrCreateCertificate(mkdtempSync(join(tmpdir(), 'nn-other-')));
    const impostor = postgresJsTarget(pinnedDatabaseUrl(nodeUrl(), other.certFile));
    expect(await refusal(impostor.url, impostor.ssl)).toMatch(/self.signed|not the pinned|certificate/i);
  });

  it('gives nodes a role that cannot run programs, read server files, or change the schema and roles', async () => {
    const target = postgresJsTarget(nodeUrl());
    const sql = pg(target.url, target.ssl);
    try {
      const fails = async (query: string) => sql.unsafe(query).then(() => 'allowed', (err: Error) => err.message);
      expect(await fails(`copy (select 1) to program 'touch /tmp/nn-owned'`)).toMatch(/permission denied|pg_execute_server_program/);
      expect(await fails(`select pg_read_file('pg_hba.conf')`)).toMatch(/permission denied/);
      expect(await fails('create table stolen (x int)')).toMatch(/permission denied for schema public/);
      expect(await fails('alter table jobs add column x int')).toMatch(/must be owner/);
      expect(await fails('drop table segments')).toMatch(/must be owner/);
      expect(await fails(`create role intruder superuser`)).toMatch(/permission denied/);
      expect(await fails(`alter role ${NODE_ROLE} superuser`)).toMatch(/permission denied/);
      expect(await fails('select * from drizzle.__drizzle_migrations')).toMatch(/permission denied/);
      const [role] = await sql`select rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user`;
      expect(role).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false });
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('on the LAN, admits only the private ranges, over SSL with a password', async () => {
    const lanHome = mkdtempSync(join(tmpdir(), 'nn-sec-lan-'));
    const cert = { cert: readFileSync(join(home, 'tls.crt'), 'utf8'), key: readFileSync(join(home, 'tls.key'), 'utf8') };
    const lan = await startEmbeddedPostgres(lanHome, undefined, '0.0.0.0', cert);
    try {
      const hba = readFileSync(join(lan.dataDir, 'pg_hba.conf'), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n');
      for (const range of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fd00::/8']) expect(hba).toMatch(new RegExp(`^hostssl\\s+all\\s+all\\s+${range.replace(/[./]/g, '\\$&')}\\s+scram-sha-256$`, 'm'));
      expect(hba).not.toMatch(/0\.0\.0\.0\/0|::\/0|trust/);
      // 192.0.2.2 is this machine's address but not a private one: no rule admits it, password or not.
      expect(await refusal(`postgres://networknodes:${lan.password}@192.0.2.2:${lan.port}/postgres`)).toMatch(/no pg_hba\.conf entry for host "192\.0\.2\.2"/);
      expect(await refusal(`postgres://networknodes:${lan.password}@192.0.2.2:${lan.port}/postgres`, { rejectUnauthorized: false })).toMatch(/no pg_hba\.conf entry for host "192\.0\.2\.2".*SSL encryption/);
    } finally {
      await lan.stop();
    }
  }, 120_000);
});
