import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where the browser tests leave their screenshots (gitignored). */
export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts', 'web');

/** Debian's Chromium, headless (never a downloaded browser); no sandbox, as tests may run as root. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
}

/** A full-page screenshot from the top (so the sticky header sits where it belongs). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
