import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the documented defaults with nothing set', () => {
    const { config, file } = loadConfig({ env: {}, cwd: dir });
    expect(file).toBeUndefined();
    expect(config).toMatchObject({
      dataDir: join(dir, 'data'),
      demo: true,
      http: { host: '0.0.0.0', port: 8080, cookieSecure: false },
      sip: { host: '0.0.0.0', port: 5060 },
      log: { level: 'info', format: 'auto' },
    });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('layers defaults < file < environment < flags', () => {
    writeFileSync(
      join(dir, 'switchboard.yaml'),
      'http:\n  port: 9000\n  host: 127.0.0.1\nsip:\n  port: 5070\ndataDir: state\n',
    );
    const { config, file } = loadConfig({
      env: { SWITCHBOARD_SIP_PORT: '5080', SWITCHBOARD_DATABASE_URL: 'postgres://db/sb' },
      cwd: dir,
      overrides: { http: { port: 9100 } },
    });
    expect(file).toBe(join(dir, 'switchboard.yaml'));
    expect(config.http).toMatchObject({ port: 9100, host: '127.0.0.1' });
    expect(config.sip.port).toBe(5080);
    expect(config.databaseUrl).toBe('postgres://db/sb');
    // A relative path in the file is relative to the file.
    expect(config.dataDir).toBe(join(dir, 'state'));
  });

  it('reads every documented variable', () => {
    const { config } = loadConfig({
      cwd: dir,
      env: {
        SWITCHBOARD_DATA_DIR: '/var/lib/sb',
        SWITCHBOARD_HTTP_PORT: '8081',
        SWITCHBOARD_SIP_PORT: '5062',
        SWITCHBOARD_DATABASE_URL: 'postgresql://u@h/d',
        SWITCHBOARD_PROVISION: 'site.yaml',
        SWITCHBOARD_DEMO: 'false',
      },
    });
    expect(config).toMatchObject({
      dataDir: '/var/lib/sb',
      http: { port: 8081 },
      sip: { port: 5062 },
      databaseUrl: 'postgresql://u@h/d',
      provision: join(dir, 'site.yaml'),
      demo: false,
    });
  });

  it.each([
    [{ SWITCHBOARD_HTTP_PORT: '80a' }, 'SWITCHBOARD_HTTP_PORT="80a": expected a whole number'],
    [
      { SWITCHBOARD_HTTP_PORT: '70000' },
      'http.port = 70000 (from SWITCHBOARD_HTTP_PORT): expected a port number',
    ],
    [{ SWITCHBOARD_DEMO: 'maybe' }, 'SWITCHBOARD_DEMO="maybe": expected true or false'],
    [{ SWITCHBOARD_HTTP_PROT: '1' }, 'SWITCHBOARD_HTTP_PROT is not a Switchboard setting'],
    [{ SWITCHBOARD_LOG_LEVEL: 'loud' }, 'log.level = "loud" (from SWITCHBOARD_LOG_LEVEL):'],
  ])('stops on %j with one line naming the key', (env, expected) => {
    expect(() => loadConfig({ env, cwd: dir })).toThrow(ConfigError);
    expect(() => loadConfig({ env, cwd: dir })).toThrow(expected);
  });

  it('checks the database URL scheme and names its source without echoing the URL', () => {
    const path = join(dir, 'sb.yaml');
    writeFileSync(path, 'databaseUrl: mysql://root:hunter2@db/sb\n');
    const attempt = () => loadConfig({ env: {}, cwd: dir, configFile: path });
    expect(attempt).toThrow(`databaseUrl (in ${path}): expected postgres://`);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('reads a relative sqlite: path relative to the config file', () => {
    const path = join(dir, 'sb.yaml');
    writeFileSync(path, 'databaseUrl: sqlite:state/sb.db\n');
    expect(loadConfig({ env: {}, cwd: '/', configFile: path }).config.databaseUrl).toBe(
      `sqlite:${join(dir, 'state/sb.db')}`,
    );
    expect(
      loadConfig({ env: { SWITCHBOARD_DATABASE_URL: 'sqlite::memory:' }, cwd: dir }).config
        .databaseUrl,
    ).toBe('sqlite::memory:');
  });

  it('names a misspelt key in the config file and the file', () => {
    const path = join(dir, 'sb.yaml');
    writeFileSync(path, 'http:\n  prot: 8080\n');
    expect(() => loadConfig({ env: {}, cwd: dir, configFile: path })).toThrow(
      `http.prot (in ${path}): unknown setting`,
    );
  });

  it('reports YAML syntax errors with their position', () => {
    const path = join(dir, 'sb.yaml');
    writeFileSync(path, 'http: [\n');
    expect(() => loadConfig({ env: {}, cwd: dir, configFile: path })).toThrow(
      /not valid YAML at line \d+/,
    );
  });

  it('refuses a --config file that does not exist', () => {
    expect(() => loadConfig({ env: {}, cwd: dir, configFile: 'missing.yaml' })).toThrow(
      'does not exist',
    );
  });

  it('ignores the test harness variables', () => {
    expect(() =>
      loadConfig({ env: { SWITCHBOARD_TEST_POSTGRES_URL: 'x' }, cwd: dir }),
    ).not.toThrow();
  });
});
