import { describe, it, expect } from 'vitest';
import { createHmac } from 'node:crypto';
import { parseImports } from '../src/triggers/python-source.ts';
import { importClosure } from '../src/triggers/import-graph.ts';
import { affectedSceneFiles, sceneFiles } from '../src/triggers/scenes.ts';
import { verifySignature } from '../src/triggers/signature.ts';
import { parseConfig } from '../src/config/load.ts';
import { deletesBranch, eventName, parsePush } from '../src/triggers/push-event.ts';

const project = new Map(Object.entries({
  'intro.py': 'from manim import *\nfrom helpers import title  # the title card\nclass Intro(Scene):\n    def construct(self): self.add(title())\n',
  'helpers.py': 'import numpy as np\nfrom shapes.poly import (\n    hexagon,\n    star as s,\n)\ndef title(): ...\n',
  'shapes/__init__.py': '',
  'shapes/poly.py': 'from . import util\nfrom .. import nothing_above_root\n',
  'shapes/util.py': 'X = 1\n',
  'graph.py': 'from manim import *\nimport base\nclass Plot(base.Base):\n    pass\n',
  'base.py': 'from manim import MovingCameraScene\nclass Base(\n    MovingCameraScene,\n):\n    pass\n',
  'notes.py': '"""import helpers\nclass Fake(Scene): pass"""\nx = "from graph import Plot"\n',
  'logo.py': 'from manim import *\nclass Logo(ThreeDScene): pass\nclass Card(Logo): x = dict(a=1)\n',
  'card.py': 'from logo import *\nclass Use(Card): construct = lambda self: self.add(SVGMobject("logo.svg"))\n',
}));

describe('the static import graph', () => {
  it('reads plain, aliased, parenthesised, relative and dotted imports, and nothing in strings or comments', () => {
    expect(parseImports(project.get('helpers.py')!)).toEqual([
      { module: 'numpy', level: 0, names: [] },
      { module: 'shapes.poly', level: 0, names: ['hexagon', 'star'] },
    ]);
    expect(parseImports(project.get('shapes/poly.py')!)).toEqual([
      { module: '', level: 1, names: ['util'] },
      { module: '', level: 2, names: ['nothing_above_root'] },
    ]);
    expect(parseImports(project.get('notes.py')!)).toEqual([]);
  });

  it('follows a scene file to every project module it loads, at any depth, and not to manim or numpy', () => {
    const files = { exists: (p: string) => project.has(p), read: (p: string) => project.get(p) };
    expect([...importClosure('intro.py', files)].sort()).toEqual(['helpers.py', 'intro.py', 'shapes/__init__.py', 'shapes/poly.py', 'shapes/util.py']);
  });

  it('finds scene files through user base classes, and only those', () => {
    expect(sceneFiles(project)).toEqual(['base.py', 'card.py', 'graph.py', 'intro.py', 'logo.py']);
  });

  it('picks the scenes a change affects: a changed scene, an imported module, a named asset, manim.cfg', () => {
    const all = sceneFiles(project);
    expect(affectedSceneFiles(project, all, ['shapes/util.py'])).toEqual(['intro.py']);
    expect(affectedSceneFiles(project, all, ['base.py'])).toEqual(['base.py', 'graph.py']);
    expect(affectedSceneFiles(project, all, ['assets/logo.svg'])).toEqual(['card.py']);
    expect(affectedSceneFiles(project, all, ['logo.py'])).toEqual(['card.py', 'logo.py']);
    expect(affectedSceneFiles(project, all, ['notes.py', 'README.md'])).toEqual([]);
    expect(affectedSceneFiles(project, all, ['manim.cfg'])).toEqual(all);
    // A deleted module still counts: the scene that imported it must show its error.
    const without = new Map(project);
    without.delete('shapes/util.py');
    expect(affectedSceneFiles(without, all, ['shapes/util.py'])).toEqual(['intro.py']);
  });
});

describe('push signatures', () => {
  const body = Buffer.from('{"ref":"refs/heads/main"}');
  const sig = createHmac('sha256', 'sekret').update(body).digest('hex');
  it('accepts each forge’s own form and refuses a wrong or missing one', () => {
    expect(verifySignature(new Headers({ 'x-hub-signature-256': `sha256=${sig}` }), body, 'sekret')).toEqual({ ok: true, forge: 'github' });
    expect(verifySignature(new Headers({ 'x-gitea-signature': sig }), body, 'sekret')).toEqual({ ok: true, forge: 'gitea' });
    expect(verifySignature(new Headers({ 'x-gitlab-token': 'sekret' }), body, 'sekret')).toEqual({ ok: true, forge: 'gitlab' });
    expect(verifySignature(new Headers({ 'x-hub-signature-256': sig }), body, 'sekret').ok).toBe(false); // no sha256= prefix
    expect(verifySignature(new Headers({ 'x-gitea-signature': sig }), Buffer.from('{}'), 'sekret').ok).toBe(false);
    expect(verifySignature(new Headers({ 'x-gitlab-token': 'sekret2' }), body, 'sekret').ok).toBe(false);
    expect(verifySignature(new Headers(), body, 'sekret')).toMatchObject({ ok: false, reason: expect.stringMatching(/unsigned/) });
  });
});

describe('trigger config', () => {
  const git = { name: 'scenes', repo: 'https://git.example/me/scenes.git', branch: 'main', path: 'scenes/', secret: 's', render: { quality: 'h' } };
  it('takes the documented shape, and resolves a cron directory against the config file', () => {
    const c = parseConfig({ triggers: { git: [git], crons: [{ name: 'nightly', schedule: '0 3 * * *', path: 'scenes', render: { quality: 'h' } }] } }, {}, '/home/me');
    expect(c.triggers.git[0]).toMatchObject(git);
    expect(c.triggers.crons[0]!.path).toBe('/home/me/scenes');
  });
  it('refuses unknown keys, bad schedules, paths out of the repository and duplicate names by name', () => {
    const bad: [unknown, RegExp][] = [
      [{ git: [{ ...git, secrets: 'x' }] }, /triggers\.git\.0: Unrecognized key: "secrets"/],
      [{ git: [{ ...git, render: { qualty: 'h' } }] }, /triggers\.git\.0\.render: Unrecognized key: "qualty"/],
      [{ git: [{ ...git, path: '../up' }] }, /triggers\.git\.0\.path: a path inside the repository/],
      [{ crons: [{ name: 'n', schedule: 'daily', path: '.' }] }, /triggers\.crons\.0\.schedule: not a cron schedule/],
      [{ crons: [{ name: 'n', schedule: '* * * * *', path: '.', branch: 'main' }] }, /triggers\.crons\.0\.branch: branch needs a repo/],
      [{ git: [git], crons: [{ name: 'scenes', schedule: '* * * * *', path: '.' }] }, /two triggers are named "scenes"/],
      [{ hooks: [] }, /triggers: Unrecognized key: "hooks"/],
    ];
    for (const [triggers, message] of bad) expect(() => parseConfig({ triggers }, {})).toThrow(message);
  });
});

describe('push events', () => {
  const sha = 'a'.repeat(40);
  it('reads GitHub’s JSON and form encodings, Gitea’s and GitLab’s, and says what is wrong otherwise', () => {
    const github = { ref: 'refs/heads/main', before: '0'.repeat(40), after: sha, commits: [{ added: ['a.py'], modified: ['b.py'], removed: [] }, { modified: ['b.py'] }] };
    expect(parsePush('github', Buffer.from(JSON.stringify(github)), 'application/json')).toEqual({ ref: 'refs/heads/main', commit: sha, reportedFiles: 2 });
    const form = Buffer.from(new URLSearchParams({ payload: JSON.stringify(github) }).toString());
    expect(parsePush('github', form, 'application/x-www-form-urlencoded').commit).toBe(sha);
    expect(parsePush('gitea', Buffer.from(JSON.stringify(github)), 'application/json').commit).toBe(sha);
    const gitlab = { object_kind: 'push', ref: 'refs/heads/dev', before: sha, after: sha, checkout_sha: sha, commits: [] };
    expect(parsePush('gitlab', Buffer.from(JSON.stringify(gitlab)), 'application/json')).toEqual({ ref: 'refs/heads/dev', commit: sha, reportedFiles: 0 });
    expect(() => parsePush('gitlab', Buffer.from(JSON.stringify({ ...gitlab, object_kind: 'tag_push' })), 'application/json')).toThrow(/not a gitlab push event: object_kind/);
    expect(() => parsePush('github', Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'abc' })), 'application/json')).toThrow(/after: a full commit id/);
    expect(() => parsePush('github', Buffer.from('{nope'), 'application/json')).toThrow(/not valid JSON/);
    expect(deletesBranch({ ref: 'refs/heads/x', commit: '0'.repeat(40), reportedFiles: 0 })).toBe(true);
  });
  it('tells a push from the other events each forge sends', () => {
    expect(eventName('github', new Headers({ 'x-github-event': 'ping' }))).toEqual({ push: false, name: 'ping' });
    expect(eventName('gitea', new Headers({ 'x-forgejo-event': 'push' })).push).toBe(true);
    expect(eventName('gitlab', new Headers({ 'x-gitlab-event': 'Tag Push Hook' })).push).toBe(false);
    expect(eventName('gitlab', new Headers()).push).toBe(true);
  });
});
