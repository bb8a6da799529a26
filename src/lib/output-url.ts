/** The API path of one output of `scene` (`Scene.mp4`, a still under manim's name, or `Scene/0001.png`
 *  of a PNG sequence): each path segment percent-encoded on its own, so the slash stays a slash and
 *  any scene name survives. */
export function outputUrl(jobId: string, scene: string, name: string): string {
  const file = name.startsWith(`${scene}/`) ? name.slice(scene.length + 1) : name;
  return `/jobs/${jobId}/output/${[scene, ...file.split('/')].map(encodeURIComponent).join('/')}`;
}
