import type { listJobs } from '../store/jobs.ts';
import type { Progress } from '../store/overview.ts';
import { age, percent } from './format.ts';

type JobRow = Awaited<ReturnType<typeof listJobs>>[number];

const SOURCES: Record<string, string> = { cli: 'CLI', api: 'API', web: 'web page', git: 'git', cron: 'cron' };

/** Who started the job: the CLI, the API, this page, a git push (with its commit) or a cron trigger. */
export function Trigger({ job }: { job: Pick<JobRow, 'source' | 'trigger' | 'commit' | 'retryOf'> }) {
  const label = SOURCES[job.source] ?? job.source;
  return (
    <span class="trigger">
      {label}
      {job.trigger ? ` “${job.trigger}”` : ''}
      {job.commit ? <code> {job.commit.slice(0, 8)}</code> : ''}
      {job.retryOf ? ' · retry' : ''}
    </span>
  );
}

export function ProgressBar({ state, p, label }: { state: string; p: Progress; label: string }) {
  const pc = state === 'succeeded' ? 100 : percent(p.done, p.total);
  return (
    <div class={`progress ${state}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pc}>
      <i style={`width:${pc}%`} />
    </div>
  );
}

/** The jobs list, newest first; the shown job is marked. */
export function JobList({ jobs, progress, selected, now }: { jobs: JobRow[]; progress: Map<string, Progress>; selected?: string; now: number }) {
  if (!jobs.length) return <p class="empty">No job yet: submit a scene above, or run <code>networknodes render scene.py</code>.</p>;
  return (
    <ul class="joblist">
      {jobs.map((j) => {
        const p = progress.get(j.id) ?? { done: 0, total: 0 };
        const name = j.entry ?? j.function ?? j.kind;
        return (
          <li>
            <a class={`jobrow${j.id === selected ? ' sel' : ''}`} href={`/?job=${j.id}`} data-job={j.id} aria-current={j.id === selected ? 'page' : undefined}>
              <span class="name">{name}</span>
              <span class={`pill s-${j.state}`}>{j.state}</span>
              <ProgressBar state={j.state} p={p} label={`${name}: progress`} />
              <span class="meta">
                <Trigger job={j} />
                <span class="num">{p.total ? `${p.done}/${p.total} frames` : ''}</span>
                <span>{age(j.createdAt, now)} ago</span>
              </span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}
