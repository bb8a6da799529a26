/**
 * A Content-Disposition header for any file name (RFC 6266): header values are Latin-1, so a name
 * such as `Δelta.mp4` goes in `filename*` (RFC 5987, UTF-8 percent-encoded) with an ASCII
 * `filename` fallback for old clients; every name gets both, so clients read one form.
 */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  // encodeURIComponent leaves ' ( ) * unescaped; RFC 5987's attr-char does not allow them
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
