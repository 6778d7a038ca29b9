import { z } from 'zod';
import { NO_PIN_ENVIRONMENT, type ElementCatalog } from '../validation/element-catalog.js';
import { ELEMENTS } from './catalog.js';
import type {
  AnyElementDefinition,
  ElementCategory,
  PinEnvironment,
  PinSpec,
  Precondition,
} from './element.js';

/** One element type as plain JSON, for the editor's palette and properties panel. */
export interface ElementDescription {
  readonly type: string;
  readonly label: string;
  readonly category: ElementCategory;
  readonly description: string;
  /** Whether the element waits for something outside the flow (see ElementDefinition.waits). */
  readonly waits: boolean;
  readonly preconditions: readonly Precondition[];
  /**
   * The config's JSON Schema (draft 2020-12) as people write it: keys with defaults are
   * optional, and `title`/`description` carry the schema's `.meta({ title })` and `.describe()`.
   */
  readonly configSchema: Record<string, unknown>;
  /** The config a new node gets: `{}` with the defaults filled in; null when it needs settings. */
  readonly defaultConfig: Record<string, unknown> | null;
  /** The pins of a node with the default config (for the given user); [] when it has none. */
  readonly pins: readonly PinSpec[];
}

export interface DescribeCatalogOptions {
  readonly catalog?: ElementCatalog;
  /** The user whose pins to show (Match caller has one pin per handling code). */
  readonly env?: PinEnvironment;
}

/** Every element type as JSON, in palette order. */
export function catalogDescription(options: DescribeCatalogOptions = {}): ElementDescription[] {
  const env = options.env ?? NO_PIN_ENVIRONMENT;
  return (options.catalog ?? ELEMENTS).map((element) => describeElement(element, env));
}

export function describeElement(
  element: AnyElementDefinition,
  env: PinEnvironment = NO_PIN_ENVIRONMENT,
): ElementDescription {
  const defaults = element.config.safeParse({});
  const defaultConfig = defaults.success ? asRecord(defaults.data) : null;
  return {
    type: element.type,
    label: element.label,
    category: element.category,
    description: element.description,
    waits: element.waits,
    preconditions: [...element.preconditions],
    configSchema: configJsonSchema(element),
    defaultConfig,
    pins: defaults.success ? element.pins(defaults.data, env).map((pin) => ({ ...pin })) : [],
  };
}

/** The JSON Schema of an element's config, without `$schema` so it can be embedded. */
export function configJsonSchema(element: AnyElementDefinition): Record<string, unknown> {
  const schema: Record<string, unknown> = z.toJSONSchema(element.config, {
    io: 'input',
    target: 'draft-2020-12',
    // A check a JSON Schema cannot express (a refinement) is the validator's business.
    unrepresentable: 'any',
  });
  delete schema.$schema;
  return schema;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (JSON.parse(JSON.stringify(value)) as Record<string, unknown>)
    : null;
}
