import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));
const WEB_DIST = fileURLToPath(new URL('../../../web/dist/index.html', import.meta.url));

export const DESKTOP = { width: 1280, height: 860 };
export const MOBILE = { width: 360, height: 780 };

/** Debian's Chromium, headless (never a browser downloaded by Playwright). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(WEB_DIST)) throw new Error('web/dist não existe: rode `npx vite build --config web/vite.config.ts` antes dos testes e2e.');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

export interface OpenPageOptions {
  viewport?: { width: number; height: number };
  /** The browser's own zone; deliberately different from the company's in most tests. */
  timezoneId?: string;
  permissions?: string[];
}

/** A page that records console errors and uncaught exceptions for `expectNoConsoleErrors`. */
export class TestPage {
  readonly consoleErrors: string[] = [];

  constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly baseUrl: string,
  ) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.consoleErrors.push(`${message.text()} [${message.location().url}]`);
    });
    page.on('pageerror', (error) => this.consoleErrors.push(`pageerror: ${error.message}`));
  }

  /**
   * No console errors, except browser network messages a test provokes on purpose (a 401 for a wrong
   * password, WebSocket failures while the server restarts). Each allowed pattern must be precise.
   */
  expectNoConsoleErrors(allowed: RegExp[] = []): void {
    const unexpected = this.consoleErrors.filter((text) => !allowed.some((pattern) => pattern.test(text)));
    expect(unexpected, 'erros no console do navegador').toEqual([]);
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

export async function openPage(browser: Browser, baseUrl: string, options: OpenPageOptions = {}): Promise<TestPage> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: options.viewport ?? DESKTOP,
    locale: 'pt-BR',
    timezoneId: options.timezoneId ?? 'Asia/Tokyo',
    permissions: options.permissions,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return new TestPage(context, page, baseUrl);
}

export async function login(test: TestPage, email: string, password: string): Promise<void> {
  const { page } = test;
  await page.goto('/');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel(/^Senha/).fill(password);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Waits until the locator's text matches (Playwright core has no auto-retrying expect). */
export async function expectText(locator: Locator, expected: string | RegExp, timeout = 15_000): Promise<void> {
  await expect
    .poll(async () => ((await locator.count()) > 0 ? ((await locator.first().textContent()) ?? '') : ''), { timeout, interval: 100 })
    .toMatch(typeof expected === 'string' ? new RegExp(escapeRegExp(expected)) : expected);
}

export async function expectCount(locator: Locator, count: number, timeout = 15_000): Promise<void> {
  await expect.poll(() => locator.count(), { timeout, interval: 100 }).toBe(count);
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every visible form control has an accessible name (label, aria-label or aria-labelledby). */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('input, select, textarea, button'))) {
      if (el.closest('[hidden]') || el.getAttribute('type') === 'hidden') continue;
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      const labelled =
        ('labels' in el && (el as HTMLInputElement).labels && (el as HTMLInputElement).labels!.length > 0) ||
        el.getAttribute('aria-label') ||
        el.getAttribute('aria-labelledby') ||
        (el.tagName === 'BUTTON' && el.textContent?.trim());
      if (!labelled) problems.push(el.outerHTML.slice(0, 120));
    }
    return problems;
  });
}

/** The page does not scroll sideways (the 360 px layout must fit). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
