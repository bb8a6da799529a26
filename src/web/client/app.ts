import { post, toast } from './http.ts';
import { refresh, shownJob } from './regions.ts';
import { setUpSubmit } from './submit.ts';

/** Shows a job without a reload: the address changes (so it can be bookmarked), the regions follow. */
export function showJob(id: string, push = true): void {
  const main = document.getElementById('main');
  if (!main) return;
  main.dataset.job = id;
  if (push) history.pushState({ job: id }, '', id ? `/?job=${id}` : '/');
  refresh('job', 'jobs');
}

/** `networknodes open` hands the token in the address (#token=…): log in with it, then forget it. */
function loginFromAddress(): void {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (token === null) return;
  history.replaceState(null, '', location.pathname + location.search);
  const form = document.getElementById('login');
  const input = document.getElementById('token');
  if (form instanceof HTMLFormElement && input instanceof HTMLInputElement) {
    input.value = token;
    form.submit();
  }
}

function setLive(state: 'live' | 'reconnecting'): void {
  const live = document.getElementById('live');
  if (!live) return;
  live.querySelector('.dot')?.classList.toggle('stale', state !== 'live');
  const label = live.querySelector('span');
  if (label) label.textContent = state === 'live' ? 'live' : 'reconnecting…';
}

/** One EventSource for the whole page: every event marks the regions it touches (no polling). */
function listen(): void {
  const source = new EventSource('/events');
  let dropped = false;
  source.onopen = () => {
    setLive('live');
    if (dropped) refresh('kpis', 'nodes', 'jobs', 'job'); // what happened while away
    dropped = false;
  };
  source.onerror = () => {
    dropped = true;
    setLive('reconnecting');
  };
  source.addEventListener('job', (e) => {
    const { jobId } = JSON.parse(e.data) as { jobId: string };
    refresh('kpis', 'jobs', ...(jobId === shownJob() ? (['job'] as const) : []));
  });
  source.addEventListener('progress', (e) => {
    const { jobs } = JSON.parse(e.data) as { jobs: string[] };
    refresh('jobs', 'nodes', ...(jobs.includes(shownJob()) ? (['job'] as const) : []));
  });
  source.addEventListener('nodes', () => refresh('kpis', 'nodes'));
}

/** What an action's answer leads to: a retry shows the new job, logging out shows the login form. */
async function act(url: string, body?: object): Promise<void> {
  const r = await post(url, body);
  if (!r.ok) return toast(String(r.body.error ?? `HTTP ${r.status}`), true);
  if (url === '/logout') return location.assign('/');
  if (typeof r.body.retryOf === 'string' && typeof r.body.id === 'string') {
    toast('Retrying as a new job');
    return showJob(r.body.id);
  }
  const b = r.body;
  toast(typeof b.priority === 'number' ? `Priority set to ${b.priority}` : typeof b.name === 'string' ? `${b.name}: ${String(b.state)}` : `Job ${String(b.state)}`);
  refresh('kpis', 'nodes', 'jobs', 'job');
}

function onClick(e: MouseEvent): void {
  const target = e.target instanceof Element ? e.target : null;
  const button = target?.closest<HTMLButtonElement>('button[data-post]');
  if (button) {
    if (button.dataset.confirm && !confirm(button.dataset.confirm)) return;
    button.disabled = true;
    void act(button.dataset.post!, button.dataset.body ? (JSON.parse(button.dataset.body) as object) : undefined).finally(() => (button.disabled = false));
    return;
  }
  const link = target?.closest<HTMLAnchorElement>('a[data-job]');
  if (link && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.button === 0) {
    e.preventDefault();
    showJob(link.dataset.job!);
  }
}

function onSubmit(e: SubmitEvent): void {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.postForm) return;
  e.preventDefault();
  const fields = Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v]));
  void act(form.dataset.postForm, fields);
}

document.addEventListener('DOMContentLoaded', () => {
  loginFromAddress();
  if (!document.getElementById('main')) return; // the login form
  document.addEventListener('click', onClick);
  document.addEventListener('submit', onSubmit);
  window.addEventListener('popstate', () => showJob(new URLSearchParams(location.search).get('job') ?? '', false));
  setUpSubmit(showJob);
  listen();
});
