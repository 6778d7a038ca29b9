import { describe, expect, it } from 'vitest';
import { flowMapJsonSchema } from './json-schema.js';

describe('flowMapJsonSchema', () => {
  it('describes the document with its required keys and closed objects', () => {
    const schema = flowMapJsonSchema() as {
      $schema: string;
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { items?: { required?: string[] } }>;
    };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(['schemaVersion', 'name', 'nodes', 'edges']);
    expect(schema.additionalProperties).toBe(false);
    // config has a default, so people may leave it out.
    expect(schema.properties.nodes?.items?.required).toEqual(['id', 'type', 'position']);
  });

  it('is plain JSON', () => {
    const schema = flowMapJsonSchema();
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});
