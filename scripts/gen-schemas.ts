import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flowMapJsonSchema } from '@switchboard/flow';
import { provisioningJsonSchema } from '../apps/server/src/domain/services/provisioning/json-schema.js';

/**
 * The JSON Schemas published under docs/, generated from the zod schemas the server validates
 * with, so the two cannot drift apart. A test (published-schemas.test.ts) fails when a committed
 * file differs from what is generated; regenerate with
 *
 *   SWITCHBOARD_WRITE_SCHEMAS=1 npx vitest run published-schemas
 *
 * (Node 20 cannot run TypeScript directly, so the test runner runs this generator.)
 */
export const PUBLISHED_SCHEMAS: readonly {
  readonly path: string;
  readonly generate: () => Record<string, unknown>;
}[] = [
  { path: 'docs/provisioning.schema.json', generate: provisioningJsonSchema },
  { path: 'docs/flow-map.schema.json', generate: flowMapJsonSchema },
];

/** The file text for a schema: two-space JSON with a final newline. */
export function renderSchema(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Writes every published schema under `rootDir` (the repository root); returns the paths. */
export async function writeSchemas(rootDir: string): Promise<string[]> {
  const written: string[] = [];
  for (const { path, generate } of PUBLISHED_SCHEMAS) {
    await writeFile(join(rootDir, path), renderSchema(generate()));
    written.push(path);
  }
  return written;
}
