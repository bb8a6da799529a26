import type { listedNodes } from '../store/nodes.ts';
import type { RunningSegment } from '../store/overview.ts';
import { age, segmentLabel } from './format.ts';
import { segmentPieces } from '../model/plan.ts';

type NodeRow = Awaited<ReturnType<typeof listedNodes>>[number];
interface Work {
  task: string;
}

/** A node's render stack in a few words: Manim, Python, LaTeX (the full fingerprint as a tooltip). */
function Stack({ v }: { v: Record<string, unknown> }) {
  if (v.driverError) return <span class="warn-text">no Manim driver: {String(v.driverError).slice(0, 120)}</span>;
  if (!v.manim) return <span class="faint">not reported</span>;
  return (
    <span title={`stack ${String(v.stack ?? '?')} · cairo ${String(v.cairo ?? '?')} · av ${String(v.av ?? '?')} · node ${String(v.node ?? '?')}`}>
      Manim {String(v.manim)} · Python {String(v.python)} · {v.latex ? 'LaTeX' : <span class="warn-text">no LaTeX</span>}
    </span>
  );
}

function Current({ node, running }: { node: NodeRow; running: Map<string, RunningSegment> }) {
  const work = heldWork(node, running);
  if (!work.length) return <span class="faint">idle</span>;
  return (
    <ul class="work-list">
      {work.map(({ task, seg }) => {
        if (!seg) return <li class="mono">{task}</li>;
        return (
          <li>
            <a href={`/?job=${seg.jobId}`} data-job={seg.jobId}>{seg.scene}</a> segment {seg.position + 1}
            <span class="muted"> · {segmentLabel({ plays: [seg.fromPlay, seg.toPlay], ...segmentPieces(seg) })} · {seg.frames ? `${seg.framesDone}/${seg.frames}` : seg.framesDone} frames</span>
          </li>
        );
      })}
    </ul>
  );
}

/** What a node works on now: its running segments as the segments say (its own list is as of its
 *  last heartbeat, seconds old), and its other tasks (planning, stitching) from that list. */
export function heldWork(node: NodeRow, running: Map<string, RunningSegment>): { task: string; seg?: RunningSegment }[] {
  const segs = [...running.values()].filter((r) => r.nodeId === node.id).map((seg) => ({ task: 'render-segment', seg }));
  return [...(node.current as Work[]).filter((w) => w.task !== 'render-segment').map((w) => ({ task: w.task })), ...segs];
}

/** A sleeping or waking machine shows its power (and why); an awake one what it was told, and why
 *  it takes no work when its schedule or its user says so. */
function State({ n }: { n: NodeRow }) {
  if (n.power !== 'awake') {
    return (
      <>
        <span class={`pill s-${n.power}`}>{n.power}</span>
        {n.powerNote ? <div class="faint small">{n.powerNote}</div> : ''}
      </>
    );
  }
  return (
    <>
      <span class={`pill s-${n.state}`}>{n.state}</span>
      {n.offWork ? <div class="muted small off-work">{n.offWork}</div> : ''}
    </>
  );
}

const ACTIONS = [
  { action: 'drain', label: 'Drain', hint: 'finish its current work, then take no more', off: ['draining', 'drained'] },
  { action: 'pause', label: 'Pause', hint: 'take no new work until resumed', off: ['paused'] },
  { action: 'resume', label: 'Resume', hint: 'take work again', off: ['online'] },
];

/** The nodes table: who is there, what each renders, and the controls to drain, pause or resume it. */
export function NodesTable({ nodes, running, now }: { nodes: NodeRow[]; running: Map<string, RunningSegment>; now: number }) {
  if (!nodes.length) return <p class="empty">No live node. Start one with <code>networknodes up</code> or <code>networknodes join</code>.</p>;
  return (
    <table class="nodes">
      <caption class="sr-only">Nodes of the cluster</caption>
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col">State</th>
          <th scope="col">Rendering now</th>
          <th scope="col">Cores</th>
          <th scope="col">Render stack</th>
          <th scope="col">Heartbeat</th>
          <th scope="col"><span class="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {nodes.map((n) => (
          <tr data-node={n.name} data-state={n.power === 'awake' ? n.state : n.power}>
            <th scope="row">
              <span class="node-name">{n.name}</span> {n.coordinator ? <span class="badge coord">coordinator</span> : ''}
              <div class="faint small">{n.hostname}</div>
            </th>
            <td>
              <State n={n} />
              {n.reason ? <div class="warn-text small">{n.reason}</div> : ''}
            </td>
            <td><Current node={n} running={running} /></td>
            <td class="num">{n.cores} <span class="faint small">({n.concurrency} {n.concurrency === 1 ? 'slot' : 'slots'})</span></td>
            <td class="small"><Stack v={n.versions} /></td>
            <td class="num">{age(n.lastSeen, now)} ago</td>
            <td class="actions">
              {/* A machine asleep or waking runs no node to tell anything. */}
              {n.power !== 'awake' ? '' : ACTIONS.map((a) => (
                <button type="button" class="small" id={`node-${n.id}-${a.action}`} data-post={`/nodes/${n.id}/${a.action}`}
                  disabled={a.off.includes(n.state)} title={a.hint} aria-label={`${a.label} ${n.name}`}>
                  {a.label}
                </button>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
