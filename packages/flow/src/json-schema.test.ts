import { describe, expect, it } from 'vitest';
import { ELEMENTS } from './catalog/catalog.js';
import { flowMapJsonSchema } from './json-schema.js';
import { FAKE_CATALOG } from './test-support/fake-catalog.js';

interface NodeSchema {
  required?: string[];
  properties: { type: { enum?: string[] } };
  allOf?: {
    if: { properties: { type: { const: string } } };
    then: { properties: { config: { properties?: Record<string, unknown> } } };
  }[];
}

function nodeSchema(schema: Record<string, unknown>): NodeSchema {
  return (schema as { properties: { nodes: { items: NodeSchema } } }).properties.nodes.items;
}

describe('flowMapJsonSchema', () => {
  it('describes the document with its required keys and closed objects', () => {
    const schema = flowMapJsonSchema() as {
      $schema: string;
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(['schemaVersion', 'name', 'nodes', 'edges']);
    expect(schema.additionalProperties).toBe(false);
    // config has a default, so people may leave it out.
    expect(nodeSchema(schema).required).toEqual(['id', 'type', 'position']);
  });

  it("lists the element types and each type's config schema", () => {
    const node = nodeSchema(flowMapJsonSchema());
    expect(node.properties.type.enum).toEqual(ELEMENTS.map((e) => e.type));
    expect(node.allOf?.map((rule) => rule.if.properties.type.const)).toEqual(
      ELEMENTS.map((e) => e.type),
    );
    const ring = node.allOf?.find((rule) => rule.if.properties.type.const === 'ring-devices');
    expect(Object.keys(ring?.then.properties.config.properties ?? {})).toEqual([
      'devices',
      'mode',
      'timeoutSeconds',
    ]);
  });

  it('follows the catalog it is given', () => {
    const node = nodeSchema(flowMapJsonSchema(FAKE_CATALOG));
    expect(node.properties.type.enum).toEqual(FAKE_CATALOG.map((e) => e.type));
  });

  it('is plain JSON', () => {
    const schema = flowMapJsonSchema();
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});
