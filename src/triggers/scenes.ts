import { posix } from 'node:path';
import type { BundleFile } from '../model/job-request.ts';
import { parseClasses } from './python-source.ts';
import { importClosure, type ProjectFiles } from './import-graph.ts';

/** Python sources of a bundle by path. */
export function pythonSources(files: BundleFile[]): Map<string, string> {
  return new Map(files.filter((f) => f.path.endsWith('.py')).map((f) => [f.path, f.bytes.toString('utf8')]));
}

/**
 * The files that define a scene: a module-level class whose base is a Scene (any name ending in
 * "Scene": Scene, ThreeDScene, MovingCameraScene, …) or, at any depth, another such class of the project.
 */
export function sceneFiles(sources: Map<string, string>): string[] {
  const classes = [...sources].flatMap(([path, source]) => parseClasses(source).map((c) => ({ path, ...c })));
  const scenes = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of classes) {
      if (!scenes.has(c.name) && c.bases.some((b) => b.endsWith('Scene') || scenes.has(b))) {
        scenes.add(c.name);
        grew = true;
      }
    }
  }
  return [...new Set(classes.filter((c) => scenes.has(c.name)).map((c) => c.path))].sort();
}

/**
 * Scene files a change touches: those that changed, those that import (at any depth) a changed
 * module, and those whose modules name a changed asset (an image, a sound, a .tex file). A changed
 * `manim.cfg` at the root changes every render.
 */
export function affectedSceneFiles(sources: Map<string, string>, all: string[], changed: string[]): string[] {
  if (changed.includes('manim.cfg')) return all;
  const changedSet = new Set(changed);
  const files: ProjectFiles = { exists: (p) => sources.has(p) || changedSet.has(p), read: (p) => sources.get(p) };
  const assets = changed.filter((p) => !p.endsWith('.py')).map((p) => posix.basename(p));
  return all.filter((scene) => {
    const closure = importClosure(scene, files);
    if ([...closure].some((m) => changedSet.has(m))) return true;
    return assets.some((a) => [...closure].some((m) => sources.get(m)?.includes(a)));
  });
}
