/**
 * A real browser for the dashboard's browser tests: Debian's `chromium` (apt-get install
 * chromium; never a downloaded build) driven by playwright-core. CHROMIUM_PATH overrides where
 * it is. Every console message about a Content-Security-Policy violation is collected, so a
 * test can say the pages run with the strict policy and nothing was blocked.
 */
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumMissing(): string | undefined {
  return fs.existsSync(CHROMIUM) ? undefined : `no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
}

export interface TestBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and CSP violations seen on any page of the context. */
  problems: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function openBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<TestBrowser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 } });
  const problems: string[] = [];
  const watch = (p: Page) => {
    p.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text());
    });
    p.on('pageerror', (e) => problems.push(String(e)));
    return p;
  };
  const page = watch(await context.newPage());
  return {
    browser,
    context,
    page,
    problems,
    newPage: async () => watch(await context.newPage()),
    close: async () => {
      await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}
