/** The CSRF cookie's value, echoed in a header on every state-changing request (src/api/auth.ts). */
function csrfToken(): string {
  const hit = document.cookie.split('; ').find((c) => c.startsWith('nn_csrf='));
  return hit ? decodeURIComponent(hit.slice('nn_csrf='.length)) : '';
}

export interface Answer {
  ok: boolean;
  status: number;
  body: Record<string, unknown>;
}

/** A POST from the page, with the CSRF header; the API's JSON answer (an error has `error`). */
export async function post(url: string, body?: BodyInit | object): Promise<Answer> {
  const headers: Record<string, string> = { 'x-csrf-token': csrfToken(), 'x-nn-source': 'web' };
  let payload: BodyInit | undefined;
  if (body instanceof FormData || typeof body === 'string') payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, { method: 'POST', headers, body: payload, credentials: 'same-origin' });
  const json: unknown = await res.json().catch(() => ({}));
  const obj = json && typeof json === 'object' ? (json as Record<string, unknown>) : {};
  return { ok: res.ok, status: res.status, body: obj };
}

/** A short message at the bottom right, read out by screen readers. */
export function toast(message: string, error = false): void {
  let box = document.getElementById('toasts');
  if (!box) {
    box = document.createElement('div');
    box.id = 'toasts';
    box.setAttribute('role', 'status');
    document.body.append(box);
  }
  const t = document.createElement('div');
  t.className = error ? 'toast err' : 'toast';
  t.textContent = message;
  box.append(t);
  setTimeout(() => t.remove(), error ? 9000 : 4000);
}
