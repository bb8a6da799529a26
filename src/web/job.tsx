import type { JobDetail } from '../store/jobs.ts';
import type { JobError } from '../model/errors.ts';
import { TERMINAL_JOB_STATES } from '../model/states.ts';
import { Gantt } from './gantt.tsx';
import { ProgressBar, Trigger } from './jobs.tsx';
import { age, bytes, duration } from './format.ts';

type Scene = JobDetail['scenes'][number];
export interface Poster {
  id: string;
  sceneId: string | null;
  position: number;
}

/** An error with its Python traceback; the lines in the user's own file are marked. */
export function ErrorBox({ error, title }: { error: JobError; title: string }) {
  const file = error.file?.split('/').at(-1);
  const lines = (error.traceback ?? '').trimEnd().split('\n');
  const mine = new Set(lines.flatMap((l, i) => (file && l.includes(`${file}", line`) ? [i, i + 1] : [])));
  return (
    <div class="error">
      <div class="msg"><span class="sr-only">{title}: </span>{error.message}</div>
      {error.file && error.line ? <div class="where">{file}, line {error.line}{error.node ? ` · on ${error.node}` : ''}</div> : ''}
      {error.traceback ? (
        <details open>
          <summary>Python traceback</summary>
          <pre class="traceback">{lines.map((l, i) => (mine.has(i) ? <mark>{l + '\n'}</mark> : l + '\n'))}</pre>
        </details>
      ) : ''}
    </div>
  );
}

function Output({ o }: { o: Scene['outputs'][number] }) {
  if (/\.(mp4|webm|mov)$/.test(o.name)) {
    return (
      <figure class="player">
        <video controls preload="metadata" src={o.url} data-keep={o.url} aria-label={`${o.name}, rendered video`} />
        <figcaption><a href={o.url} download>{o.name}</a> <span class="faint">{bytes(o.size)}</span></figcaption>
      </figure>
    );
  }
  if (/\.(gif|png)$/.test(o.name)) {
    return <figure class="player"><img src={o.url} alt={`${o.name}, rendered`} /><figcaption><a href={o.url} download>{o.name}</a> <span class="faint">{bytes(o.size)}</span></figcaption></figure>;
  }
  return <a class="output" href={o.url} download>{o.name} <span class="faint">{bytes(o.size)}</span></a>;
}

function SceneView({ jobId, scene, posters, now }: { jobId: string; scene: Scene; posters: Poster[]; now: number }) {
  const mine = posters.filter((p) => p.sceneId === scene.id).sort((a, b) => a.position - b.position);
  const video = scene.outputs.filter((o) => /\.(mp4|webm|mov|gif|png)$/.test(o.name));
  const shown = video.length ? video.slice(0, 1) : scene.outputs.slice(0, 1);
  return (
    <section class="scene" aria-labelledby={`scene-${scene.id}`} data-scene={scene.name}>
      <div class="scene-head">
        <h3 id={`scene-${scene.id}`} class="sname">{scene.name}</h3>
        <span class={`pill s-${scene.state}`}>{scene.state}</span>
        <span class="frames">{scene.totalFrames ? `${Math.min(scene.framesDone, scene.totalFrames)}/${scene.totalFrames} frames` : scene.state === 'planning' ? 'planning' : 'no plan'}{scene.wallMs ? ` · ${duration(scene.wallMs)}` : ''}</span>
      </div>
      {mine.length ? (
        <ol class="posters" aria-label={`${scene.name}: poster frames`}>
          {mine.map((p) => <li><img src={`/jobs/${jobId}/posters/${p.id}`} alt={`segment ${p.position + 1}, first frame`} loading="lazy" /></li>)}
        </ol>
      ) : ''}
      <Gantt scene={scene} now={now} />
      {scene.error ? <ErrorBox error={scene.error} title={`${scene.name} failed`} /> : ''}
      {shown.map((o) => <Output o={o} />)}
      {scene.outputs.length > shown.length ? <p class="small"><a href={`/jobs/${jobId}/outputs`}>{scene.outputs.length} output files</a></p> : ''}
    </section>
  );
}

function Actions({ job }: { job: JobDetail }) {
  const open = !TERMINAL_JOB_STATES.includes(job.state);
  const failedScenes = job.scenes.some((s) => s.state === 'failed' || s.state === 'cancelled');
  return (
    <div class="right">
      {open ? (
        <form class="inline" data-post-form={`/jobs/${job.id}/priority`}>
          <label for="priority">Priority</label>
          <input id="priority" name="priority" type="number" min={-20} max={20} step={1} value={String(job.priority)} aria-describedby="priority-hint" />
          <span id="priority-hint" class="sr-only">lower runs first, from -20 to 20</span>
          <button type="submit" class="small" aria-label="Set priority">Set</button>
        </form>
      ) : <span class="faint small">priority {job.priority}</span>}
      {open ? <button type="button" class="danger" data-post={`/jobs/${job.id}/cancel`} data-confirm="Cancel this job?">Cancel</button> : ''}
      {job.kind === 'render' && (job.state === 'failed' || job.state === 'cancelled') ? (
        <>
          {failedScenes ? <button type="button" data-post={`/jobs/${job.id}/retry`} data-body='{"scenes":"failed"}'>Retry failed scenes</button> : ''}
          <button type="button" data-post={`/jobs/${job.id}/retry`} data-body='{"scenes":"all"}'>Retry all</button>
        </>
      ) : ''}
    </div>
  );
}

/** The job page: what it is, its progress, and per scene the timeline, posters, errors and outputs. */
export function JobView({ job, posters, now }: { job: JobDetail; posters: Poster[]; now: number }) {
  const total = job.scenes.reduce((n, s) => n + (s.totalFrames ?? 0), 0);
  // overlapping segments (a lead and the cuts after it) can count frames twice: never past the total
  const done = job.scenes.reduce((n, s) => n + Math.min(s.framesDone, s.totalFrames ?? 0), 0);
  const title = job.entry ?? job.function ?? job.kind;
  return (
    <article class="job" aria-labelledby="job-title" data-job-id={job.id} data-state={job.state}>
      <div class="jobhead">
        <div>
          <h2 id="job-title" class="title">{title} <span class={`pill s-${job.state}`}>{job.state}</span></h2>
          <div class="ids">
            <code title={job.id}>{job.id.slice(0, 8)}</code>
            <Trigger job={job} />
            <span>{age(job.createdAt, now)} ago</span>
            {job.retryOf ? <a href={`/?job=${job.retryOf}`} data-job={job.retryOf}>retry of {job.retryOf.slice(0, 8)}</a> : ''}
            {job.retriedBy.map((r) => <a href={`/?job=${r}`} data-job={r}>retried as {r.slice(0, 8)}</a>)}
          </div>
        </div>
        <Actions job={job} />
      </div>
      {job.kind === 'render' ? <ProgressBar state={job.state} p={{ done, total }} label="job progress" /> : ''}
      <dl class="stats">
        <div class="stat"><dt>Frames</dt><dd class="job-frames">{total ? `${done}/${total}` : '–'}</dd></div>
        <div class="stat"><dt>Scenes</dt><dd>{job.scenes.filter((s) => s.state === 'succeeded').length}/{job.scenes.length}</dd></div>
        <div class="stat"><dt>Wall time</dt><dd>{duration(job.wallMs ?? (job.startedAt ? now - new Date(job.startedAt).getTime() : null))}</dd></div>
        <div class="stat"><dt>Options</dt><dd class="small">{job.options ? `${job.options.quality} · ${job.options.format}` : '–'}</dd></div>
      </dl>
      {job.error && !job.scenes.some((s) => s.error) ? <ErrorBox error={job.error} title="the job failed" /> : ''}
      {job.scenes.map((s) => <SceneView jobId={job.id} scene={s} posters={posters} now={now} />)}
      <p class="legend small"><span class="l-done">done</span><span class="l-running">running</span><span class="l-queued">waiting</span><span class="l-failed">failed</span><span class="l-cancelled">cancelled</span></p>
    </article>
  );
}
