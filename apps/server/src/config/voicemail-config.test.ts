import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';

describe('smtp.* and voicemail.* settings', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-config-vm-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('has defaults that mail nothing and keep every message', () => {
    const { config } = loadConfig({ env: {}, cwd: dir });
    expect(config.smtp).toEqual({
      port: 587,
      secure: false,
      requireTls: false,
      from: 'Switchboard <switchboard@localhost>',
    });
    expect(config.voicemail).toEqual({ minMessageSeconds: 1, retentionDays: 0 });
  });

  it('reads every SWITCHBOARD_SMTP_* and SWITCHBOARD_VOICEMAIL_* variable', () => {
    const { config } = loadConfig({
      cwd: dir,
      env: {
        SWITCHBOARD_SMTP_HOST: 'mail.example.org',
        SWITCHBOARD_SMTP_PORT: '465',
        SWITCHBOARD_SMTP_SECURE: 'true',
        SWITCHBOARD_SMTP_REQUIRE_TLS: 'yes',
        SWITCHBOARD_SMTP_USER: 'pbx',
        SWITCHBOARD_SMTP_PASSWORD: 's3cret',
        SWITCHBOARD_SMTP_FROM: 'PBX <pbx@example.org>',
        SWITCHBOARD_VOICEMAIL_MIN_SECONDS: '2',
        SWITCHBOARD_VOICEMAIL_RETENTION_DAYS: '30',
        SWITCHBOARD_VOICEMAIL_VOICE: 'en-gb',
      },
    });
    expect(config.smtp).toEqual({
      host: 'mail.example.org',
      port: 465,
      secure: true,
      requireTls: true,
      user: 'pbx',
      password: 's3cret',
      from: 'PBX <pbx@example.org>',
    });
    expect(config.voicemail).toEqual({ minMessageSeconds: 2, retentionDays: 30, voice: 'en-gb' });
  });

  it('takes fractions of a second from the file, and names a bad key in one line', () => {
    writeFileSync(join(dir, 'switchboard.yaml'), 'voicemail:\n  minMessageSeconds: 0.5\n');
    expect(loadConfig({ env: {}, cwd: dir }).config.voicemail.minMessageSeconds).toBe(0.5);

    expect(() =>
      loadConfig({ env: { SWITCHBOARD_VOICEMAIL_RETENTION_DAYS: '-3' }, cwd: dir }),
    ).toThrow(ConfigError);
    expect(() =>
      loadConfig({ cwd: dir, env: {}, overrides: { voicemail: { retentionDays: 1.5 } } }),
    ).toThrow(/voicemail\.retentionDays = 1\.5 .*whole number of days/);
    expect(() =>
      loadConfig({ cwd: dir, env: {}, overrides: { smtp: { keepAlive: true } } }),
    ).toThrow(/smtp\.keepAlive.*unknown setting/);
  });

  it('wants user and password together, and never prints the password', () => {
    expect(() => loadConfig({ cwd: dir, env: { SWITCHBOARD_SMTP_USER: 'pbx' } })).toThrow(
      /smtp\.password.*together/,
    );
    let message = '';
    try {
      loadConfig({
        cwd: dir,
        env: { SWITCHBOARD_SMTP_USER: 'pbx', SWITCHBOARD_SMTP_PASSWORD: ' ' },
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^smtp\.password \(from SWITCHBOARD_SMTP_PASSWORD\)/);
    expect(message).not.toContain('" "');
  });
});
