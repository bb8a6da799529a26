import { post } from './http.ts';

interface Picked {
  path: string;
  file: File;
}

/** Scene classes in a Python file, as manim finds them: classes whose bases name a Scene. */
export function sceneClasses(source: string): string[] {
  return [...source.matchAll(/^class\s+([A-Za-z_]\w*)\s*\(([^)]*)\)\s*:/gm)].filter((m) => /Scene\b/.test(m[2]!)).map((m) => m[1]!);
}

/** Files of a dropped folder, with their paths inside it. */
async function entryFiles(entry: FileSystemEntry, prefix = ''): Promise<Picked[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
    return [{ path: prefix + entry.name, file }];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const out: Picked[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (!batch.length) return out;
    for (const e of batch) out.push(...(await entryFiles(e, prefix ? `${prefix}${entry.name}/` : `${entry.name}/`)));
  }
}

/** A folder's files are bundled relative to the folder itself, as `networknodes render DIR` does. */
const inFolder = (p: Picked[]) => (p.length && p.every((f) => f.path.includes('/')) ? p.map((f) => ({ ...f, path: f.path.slice(f.path.indexOf('/') + 1) })) : p);

export function setUpSubmit(showJob: (id: string) => void): void {
  const form = document.querySelector<HTMLFormElement>('form[data-submit]');
  if (!form) return;
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  const status = $<HTMLElement>('submit-status');
  const entry = $<HTMLSelectElement>('entry');
  const list = $<HTMLElement>('scene-list');
  let picked: Picked[] = [];
  const scenesOf = new Map<string, string[]>();

  const showScenes = () => {
    const names = scenesOf.get(entry.value) ?? [];
    list.replaceChildren(...names.map((name, i) => {
      const label = document.createElement('label');
      label.className = 'check';
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', name: 'scene', value: name, checked: true, id: `scene-pick-${i}` });
      label.append(box, ` ${name}`);
      return label;
    }));
    $<HTMLElement>('scenes').hidden = !names.length;
    $<HTMLButtonElement>('submit-button').disabled = !names.length;
    status.textContent = picked.length && !names.length ? 'No Scene class in this file.' : '';
  };

  const pick = async (files: Picked[]) => {
    picked = inFolder(files);
    scenesOf.clear();
    for (const f of picked.filter((p) => p.path.endsWith('.py'))) {
      const scenes = sceneClasses(await f.file.text());
      if (scenes.length) scenesOf.set(f.path, scenes);
    }
    entry.replaceChildren(...[...scenesOf.keys()].map((p) => Object.assign(document.createElement('option'), { value: p, textContent: p })));
    $<HTMLElement>('entry-row').hidden = scenesOf.size < 2;
    $<HTMLElement>('files-picked').textContent = picked.length ? `${picked.length} file${picked.length > 1 ? 's' : ''}: ${picked.map((p) => p.path).slice(0, 4).join(', ')}${picked.length > 4 ? '…' : ''}` : 'no file chosen';
    showScenes();
  };

  const fromInput = (input: HTMLInputElement) => void pick([...(input.files ?? [])].map((file) => ({ path: file.webkitRelativePath || file.name, file })));
  $<HTMLInputElement>('files').addEventListener('change', (e) => fromInput(e.target as HTMLInputElement));
  $<HTMLInputElement>('folder').addEventListener('change', (e) => fromInput(e.target as HTMLInputElement));
  entry.addEventListener('change', showScenes);
  form.addEventListener('dragover', (e) => {
    e.preventDefault();
    form.classList.add('dragging');
  });
  form.addEventListener('dragleave', () => form.classList.remove('dragging'));
  form.addEventListener('drop', (e) => {
    e.preventDefault();
    form.classList.remove('dragging');
    const entries = [...(e.dataTransfer?.items ?? [])].map((i) => i.webkitGetAsEntry()).filter((x): x is FileSystemEntry => x !== null);
    void Promise.all(entries.map((x) => entryFiles(x))).then((all) => pick(all.flat()));
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const scenes = [...list.querySelectorAll<HTMLInputElement>('input[name=scene]:checked')].map((b) => b.value);
    if (!scenes.length) return void (status.textContent = 'Pick at least one scene.');
    const body = new FormData();
    for (const p of picked) body.append('file', p.file, p.path);
    body.set('entry', entry.value);
    body.set('scenes', scenes.join(','));
    body.set('quality', $<HTMLSelectElement>('quality').value);
    body.set('format', $<HTMLSelectElement>('format').value);
    status.textContent = 'Uploading…';
    void post('/jobs', body).then((r) => {
      status.textContent = r.ok ? 'Submitted.' : String(r.body.error ?? `HTTP ${r.status}`);
      status.classList.toggle('error-text', !r.ok);
      if (r.ok && typeof r.body.id === 'string') showJob(r.body.id);
    });
  });
}
