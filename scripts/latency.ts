/**
 * Two figures of the foundation: the embedded default's start-up time, and the latency from
 * `POST /jobs` to the job's first function starting on a node (median over 100 jobs, one at a time
 * on an idle node). Run: npm run bench:latency
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCoordinator } from '../src/runtime/coordinator.ts';
import { parseConfig } from '../src/config/load.ts';

const home = mkdtempSync(join(tmpdir(), 'nn-latency-'));
const config = parseConfig({ home, http: { port: 0 }, concurrency: 1 }, {});
let t = performance.now();
const first = await startCoordinator(config);
const coldMs = performance.now() - t;
await first.stop();
t = performance.now();
const c = await startCoordinator(config);
const warmMs = performance.now() - t;
console.log(`embedded default start-up (Postgres, migrations, node): first ${coldMs.toFixed(0)} ms (initdb), then ${warmMs.toFixed(0)} ms`);

const headers = { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' };
const latencies: number[] = [];
try {
  for (let i = 0; i < 100; i++) {
    // A file that does not parse: planning starts, fails at once, and the node is idle again.
    const body = JSON.stringify({ files: { [`job${i}.py`]: 'this is not python' } });
    const { id } = (await (await fetch(`${c.url}/jobs`, { method: 'POST', headers, body })).json()) as { id: string };
    for (;;) {
      const events = (await (await fetch(`${c.url}/jobs/${id}/events`, { headers })).text()).split('\n\n');
      const at = (type: string) => events.find((e) => e.includes(`event: ${type}\n`))?.match(/"at":"([^"]+)"/)?.[1];
      const queued = at('job.queued');
      const running = at('job.running');
      if (queued && running) {
        latencies.push(Date.parse(running) - Date.parse(queued));
        break;
      }
    }
  }
} finally {
  await c.stop();
}
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
console.log(`POST /jobs → function started on a node, ${latencies.length} jobs: median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms`);
