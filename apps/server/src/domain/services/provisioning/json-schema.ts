import { z } from 'zod';
import { provisioningFileSchema } from './schema.js';

/**
 * The JSON Schema (draft 2020-12) of the provisioning file as people write it, with the flow map
 * schema embedded for inline `map:` flows. Published as docs/provisioning.schema.json so editors
 * can complete and check files (`# yaml-language-server: $schema=.../provisioning.schema.json`).
 * Cross-checks (unique numbers, handling methods naming flows...) are beyond a JSON Schema; the
 * server's validation does them.
 */
export function provisioningJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(provisioningFileSchema(), {
    io: 'input',
    target: 'draft-2020-12',
  });
  // Top-level `x-` keys are the author's own (anchors for `<<: *defaults`); parse drops them.
  return {
    $schema,
    title: 'Switchboard provisioning file',
    ...rest,
    patternProperties: { '^x-': {} },
  };
}
