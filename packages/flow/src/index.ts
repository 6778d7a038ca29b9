export {
  FlowEdgeSchema,
  FlowMapSchema,
  FlowNodeSchema,
  FlowPositionSchema,
  type FlowEdge,
  type FlowMap,
  type FlowMapInput,
  type FlowNode,
} from './flow-map.js';
export {
  KNOWN_ELEMENT_TYPES,
  START_ELEMENT_TYPE,
  isKnownElementType,
  type KnownElementType,
} from './known-elements.js';
export {
  formatIssuePath,
  joinIssuePath,
  parseWithIssues,
  type FlowIssue,
  type ParseOutcome,
} from './issues.js';
export { validateFlowMap, type FlowMapValidation } from './validate-flow-map.js';
export { flowMapJsonSchema } from './json-schema.js';
