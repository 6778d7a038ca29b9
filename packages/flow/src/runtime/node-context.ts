import type { ElementRunContext } from '../catalog/element.js';
import type { CompiledState } from '../compiler/compiled-flow.js';
import type { CallControl } from './call-control.js';
import type { CallFacts } from './call-facts.js';
import type { FlowServices } from './services.js';

/**
 * What a handler gets. A class so that `signal` is a getter on the prototype: the element's
 * AbortController is made only if the handler reads it (see element-attempt.ts).
 */
export class NodeContext implements ElementRunContext<unknown> {
  readonly nodeId: string;
  readonly config: unknown;
  readonly call: CallControl;
  readonly facts: CallFacts;
  /** Frozen: a handler must not change the flow's variables behind the runtime's back. */
  readonly variables: Readonly<Record<string, string>>;
  readonly services: FlowServices;

  constructor(
    state: CompiledState,
    call: CallControl,
    facts: CallFacts,
    services: FlowServices,
    variables: Readonly<Record<string, string>>,
    private readonly source: { readonly signal: AbortSignal },
  ) {
    this.nodeId = state.id;
    this.config = state.config;
    this.call = call;
    this.facts = facts;
    this.services = services;
    this.variables = variables;
  }

  get signal(): AbortSignal {
    return this.source.signal;
  }
}
