import { ELEMENTS } from './catalog/catalog.js';
import type { PinEnvironment } from './catalog/element.js';
import { checkFlowMap, type FlowMapValidation } from './validation/check-flow-map.js';
import { NO_PIN_ENVIRONMENT, type ElementCatalog } from './validation/element-catalog.js';

export type { FlowMapValidation } from './validation/check-flow-map.js';

export interface ValidateFlowMapOptions {
  /** The element types to check against; the full catalog by default. */
  readonly catalog?: ElementCatalog;
  /**
   * What pins depend on: the user's handling codes (one Match caller pin each). None by default,
   * so a map with code pins must be checked with its user's codes.
   */
  readonly env?: PinEnvironment;
}

/**
 * Checks a flow map document and reports every problem with its path and, where there is one,
 * the node and pin it concerns: the shape, unique ids, exactly one `incoming-call` start, known
 * element types, each node's config against its element's schema, edges between existing nodes
 * from pins their node has (at most one edge per pin), required pins connected, every node
 * reachable from the start, and no loop in which nothing waits. An invalid map may still be saved
 * as a draft; only a valid one compiles.
 */
export function validateFlowMap(
  input: unknown,
  options: ValidateFlowMapOptions = {},
): FlowMapValidation {
  const checked = checkFlowMap(
    input,
    options.catalog ?? ELEMENTS,
    options.env ?? NO_PIN_ENVIRONMENT,
  );
  return checked.ok ? { ok: true, map: checked.map } : checked;
}
