import { readFileSync } from 'node:fs';

let page: string | undefined;

/** The farm's web page, read once from dashboard.html beside this module. */
export function dashboardHtml(): string {
  page ??= readFileSync(new URL('./dashboard.html', import.meta.url), 'utf8');
  return page;
}
