import type { JobDetail } from '../store/jobs.ts';
import { duration, playsLabel, segmentLabel } from './format.ts';

type Scene = JobDetail['scenes'][number];
type Segment = Scene['segments'][number];

const time = (d: Date | string | null) => (d ? new Date(d).getTime() : undefined);

function describe(s: Segment): string {
  const took = s.renderMs !== null ? `, ${duration(s.renderMs)}` : '';
  return `${segmentLabel(s)}: ${s.state}, ${s.framesDone}/${s.frames} frames${took}${s.node ? ` on ${s.node}` : ''}`;
}

/** Runs of consecutive plays served from the play cache, as [first, last] pairs. */
function cachedRuns(plays: Scene['plays']): [number, number][] {
  const runs: [number, number][] = [];
  for (const p of plays.filter((p) => p.cached)) {
    const last = runs.at(-1);
    if (last && last[1] === p.index - 1) last[1] = p.index;
    else runs.push([p.index, p.index]);
  }
  return runs;
}

/**
 * A scene's timeline, Gantt-style: one lane per node, each segment a bar from its start to its end
 * (a running one to now), coloured by state; segments not started yet wait in their own lane.
 */
export function Gantt({ scene, now }: { scene: Scene; now: number }) {
  const started = scene.segments.filter((s) => s.startedAt);
  const waiting = scene.segments.filter((s) => !s.startedAt && s.state === 'queued');
  const cached = cachedRuns(scene.plays);
  const fromCache = cached.length ? (
    <div class="lane">
      <span class="lane-name faint">cache</span>
      <ol class="lane-bars waiting">
        {cached.map((r) => <li class="chip cached" title={`plays ${playsLabel(r)} served from the play cache, not rendered`}>plays {playsLabel(r)} from cache</li>)}
      </ol>
    </div>
  ) : '';
  if (!started.length && !waiting.length) return fromCache ? <div class="gantt" role="group" aria-label={`${scene.name}: plays from the cache`}>{fromCache}</div> : <p class="faint small">No segment yet: the scene is being planned.</p>;
  const t0 = Math.min(...started.map((s) => time(s.startedAt)!), now);
  const ends = started.map((s) => time(s.finishedAt) ?? now);
  const span = Math.max(Math.max(t0, ...ends) - t0, 1000);
  const lanes = [...new Set(started.map((s) => s.node ?? '?'))];
  const pos = (t: number) => (100 * (t - t0)) / span;
  return (
    <div class="gantt" aria-label={`${scene.name}: segments over time, by node`} role="group">
      {lanes.map((lane) => (
        <div class="lane">
          <span class="lane-name" title={lane}>{lane}</span>
          <ol class="lane-bars">
            {started.filter((s) => (s.node ?? '?') === lane).map((s) => {
              const start = time(s.startedAt)!;
              const left = pos(start);
              const width = Math.max(pos(time(s.finishedAt) ?? now) - left, 0.8);
              const fill = s.frames ? Math.round((100 * s.framesDone) / s.frames) : 0;
              return (
                <li class={`gbar ${s.state}`} style={`left:${left.toFixed(2)}%;width:${width.toFixed(2)}%`} title={describe(s)} data-segment={s.id}>
                  {s.state === 'running' ? <i class="fill" style={`width:${fill}%`} /> : ''}
                  <span class="lbl">{s.encodes ? `${s.plays[0]}: encode` : s.slice ? `${s.plays[0]}: ${s.slice[0]}–${s.slice[1] - 1}` : playsLabel(s.plays)}</span>
                  <span class="sr-only">{describe(s)}</span>
                </li>
              );
            })}
          </ol>
        </div>
      ))}
      {waiting.length ? (
        <div class="lane">
          <span class="lane-name faint">waiting</span>
          <ol class="lane-bars waiting">
            {waiting.map((s) => <li class="chip" title={describe(s)}>{segmentLabel(s)}</li>)}
          </ol>
        </div>
      ) : ''}
      {fromCache}
      <div class="axis faint small" aria-hidden="true"><span>0 s</span><span>{duration(span)}</span></div>
    </div>
  );
}
