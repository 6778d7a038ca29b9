import { readFileSync } from 'node:fs';

/** The server's version, from its package.json (same relative place from src/ and dist/). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** Files that ship with the repository, located the same way from src/ and dist/. */
export const DEMO_PROVISIONING_FILE = new URL('../../../examples/demo.yaml', import.meta.url);
export const WEB_CLIENT_DIR = new URL('../../web/dist/', import.meta.url);
