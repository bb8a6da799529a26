/** The page's regions (server-rendered HTML), swapped in place when an event says they changed. */
export type Region = 'kpis' | 'nodes' | 'jobs' | 'job';

/** Replaces a region's content, keeping what the user is in the middle of: a playing video stays the
 *  same element, a field being typed in keeps its text, and focus stays on the control with its id. */
function swap(region: HTMLElement, html: string): void {
  const next = document.createElement('div');
  next.innerHTML = html;
  for (const video of region.querySelectorAll<HTMLVideoElement>('video[data-keep]')) {
    const twin = [...next.querySelectorAll<HTMLVideoElement>('video[data-keep]')].find((v) => v.dataset.keep === video.dataset.keep);
    twin?.replaceWith(video);
  }
  const active = document.activeElement;
  const focusId = active instanceof HTMLElement && region.contains(active) ? active.id : '';
  const typing = active instanceof HTMLInputElement || active instanceof HTMLSelectElement || active instanceof HTMLTextAreaElement;
  if (focusId && typing) next.querySelector(`#${CSS.escape(focusId)}`)?.replaceWith(active);
  region.replaceChildren(...next.childNodes);
  if (focusId && !typing) document.getElementById(focusId)?.focus();
}

const dirty = new Set<Region>();
let timer: ReturnType<typeof setTimeout> | undefined;
let busy = false;

/** The job the page shows (from `?job=`), or ''. */
export const shownJob = () => document.getElementById('main')?.dataset.job ?? '';

async function flush(): Promise<void> {
  timer = undefined;
  if (busy || !dirty.size) return;
  busy = true;
  const want = [...dirty];
  dirty.clear();
  let failed = false;
  try {
    const q = new URLSearchParams({ want: want.join(',') });
    if (shownJob()) q.set('job', shownJob());
    const res = await fetch(`/ui/parts?${q}`, { credentials: 'same-origin' });
    if (res.status === 401) return location.reload(); // logged out elsewhere: the login form
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const parts = (await res.json()) as Partial<Record<Region, string>>;
    for (const [id, html] of Object.entries(parts)) {
      const region = document.getElementById(id);
      if (region && typeof html === 'string') swap(region, html);
    }
  } catch {
    failed = true;
    for (const r of want) dirty.add(r); // read again on the next event
  } finally {
    busy = false;
    if (dirty.size && !failed) schedule();
  }
}

function schedule(): void {
  timer ??= setTimeout(() => void flush(), 120);
}

/** Marks regions as changed; they are read again together, a moment later. */
export function refresh(...regions: Region[]): void {
  for (const r of regions) dirty.add(r);
  schedule();
}
