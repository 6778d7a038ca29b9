import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printedPassword, runCliProcess, type CliProcess } from '../support/cli-process.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url));

// A person's first visit: the web client served by `switchboard start`, signed in in a real
// browser (Debian's Chromium driven by playwright-core), showing the demo user's setup.
describe('web client in Chromium', () => {
  let dataDir: string;
  let server: CliProcess | undefined;
  let browser: Browser | undefined;
  let base: string;
  let alicePassword: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-web-'));
    server = runCliProcess(['start'], {
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_HTTP_HOST: '127.0.0.1',
      SWITCHBOARD_HTTP_PORT: '0',
      SWITCHBOARD_SIP_HOST: '127.0.0.1',
      SWITCHBOARD_SIP_PORT: '0',
      SWITCHBOARD_LOG_FORMAT: 'json',
    });
    base = (await server.waitFor(/Web client and API\s+(http:\/\/\S+)/))[1]!;
    await server.waitFor(/Stop with Ctrl\+C/);
    alicePassword = printedPassword(server.stdout(), 'alice@example.test');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a wrong password with the server’s message, then signs in and shows the setup', async () => {
    const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(base);
    await page.getByLabel('E-mail').fill('alice@example.test');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toMatch(/wrong email or password/i);
    await page.screenshot({ path: join(ARTIFACTS, 'web-sign-in-refused.png') });

    await page.getByLabel('Password').fill(alicePassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /Contacts/ }).waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain('+12025550100');
    expect(text).toContain('alice-desk');
    expect(text).toContain('Bob Boss');
    expect(text).toContain('VIP');
    expect(text).toContain('builtin:reject');
    await page.screenshot({ path: join(ARTIFACTS, 'web-overview.png'), fullPage: true });

    // The session survives a reload (cookie), and signing out returns to the form.
    await page.reload();
    await page.getByRole('heading', { name: /Contacts/ }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.close();
  });
});
