import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_SCHEMAS, writeSchemas } from '../../../../../../scripts/gen-schemas.js';

const ROOT = fileURLToPath(new URL('../../../../../../', import.meta.url));
const REGENERATE = 'SWITCHBOARD_WRITE_SCHEMAS=1 npx vitest run published-schemas';

describe('published JSON Schemas', () => {
  if (process.env.SWITCHBOARD_WRITE_SCHEMAS === '1') {
    it('are regenerated', async () => {
      const written = await writeSchemas(ROOT);
      expect(written).toEqual(PUBLISHED_SCHEMAS.map((s) => s.path));
    });
    return;
  }

  it.each(PUBLISHED_SCHEMAS.map((s) => [s.path, s.generate] as const))(
    '%s matches the zod schema it is generated from',
    async (path, generate) => {
      let committed: unknown;
      try {
        committed = JSON.parse(await readFile(`${ROOT}${path}`, 'utf8'));
      } catch (error) {
        throw new Error(`${path} is missing or unreadable: run ${REGENERATE}`, { cause: error });
      }
      // Compared as data, not text, so reformatting the file (prettier) is harmless.
      expect(committed, `${path} is out of date: run ${REGENERATE}`).toEqual(generate());
    },
  );
});
