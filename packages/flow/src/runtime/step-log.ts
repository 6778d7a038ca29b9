/** One line of a call's step log: enough to explain afterwards why the call went where it went. */
export type StepKind =
  | 'element' // an element ran and left by `pin`
  | 'precondition' // the runtime answered the call before an element that needs it
  | 'override' // the user's live choice interrupted the flow
  | 'goto' // the call moved to another flow
  | 'hang-up' // the caller hung up
  | 'limit' // the step limit or an element timeout stopped the flow
  | 'error' // an element failed unexpectedly
  | 'end'; // the flow ended

export interface StepLogEntry {
  readonly seq: number;
  readonly at: number;
  readonly kind: StepKind;
  readonly flow: string;
  /** Node id, when the step concerns a node. */
  readonly node?: string;
  readonly type?: string;
  /** The element's config as it ran, after templating (e.g. the text actually spoken). */
  readonly inputs?: Readonly<Record<string, unknown>>;
  readonly pin?: string;
  readonly detail?: Readonly<Record<string, unknown>>;
  readonly durationMs?: number;
}
