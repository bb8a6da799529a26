/** The API path of one output (`Scene.mp4`, or `Scene/0001.png` of a PNG sequence): each path
 *  segment percent-encoded on its own, so the slash stays a slash and any scene name survives. */
export function outputUrl(jobId: string, name: string): string {
  return `/jobs/${jobId}/output/${name.split('/').map(encodeURIComponent).join('/')}`;
}
