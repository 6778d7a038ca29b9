/**
 * The form the runtime executes: a state table compiled from a valid map. Immutable (frozen) and
 * plain data, so it can be stored with the published flow version and cached.
 */
export interface CompiledState {
  /** The node id in the map: step logs and the editor refer to states by it. */
  readonly id: string;
  readonly type: string;
  /** Config parsed by the element's schema (defaults filled in). */
  readonly config: unknown;
  /** Output pin -> next state id. A pin absent here ends the call (the caller is hung up). */
  readonly transitions: Readonly<Record<string, string>>;
}

export interface CompiledFlow {
  /** Bumped when the compiled form changes incompatibly. */
  readonly format: 1;
  readonly name: string;
  readonly start: string;
  readonly states: Readonly<Record<string, CompiledState>>;
}
