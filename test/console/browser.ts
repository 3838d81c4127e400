/**
 * Debian's Chromium driven by playwright-core (Playwright's own browser download cannot work
 * here): one browser per test file, a fresh context per user. `CHROMIUM_PATH` overrides the path.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** Saves a PNG of the page as `<name>.png` in `AGENTGATE_SCREENSHOTS_DIR`, when that is set. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  const dir = process.env.AGENTGATE_SCREENSHOTS_DIR;
  if (dir) await page.screenshot({ path: join(dir, `${name}.png`), fullPage });
}
