import type { z } from 'zod';
import type { CallControl } from '../runtime/call-control.js';
import type { CallFacts } from '../runtime/call-facts.js';
import type { FlowServices } from '../runtime/services.js';

/** An output pin of a node: a way out of the element, drawn as a handle in the editor. */
export interface PinSpec {
  readonly id: string;
  readonly label: string;
  /** A required pin left unconnected is a validation error; an optional one ends the call. */
  readonly required: boolean;
}

/** What the catalog needs to know about the user to derive pins (Match caller's codes). */
export interface PinEnvironment {
  /** The user's handling codes, upper-case. */
  readonly handlingCodes: readonly string[];
}

/**
 * What must hold before an element runs; the runtime establishes it (jambonz's task
 * preconditions): `answered` answers the caller first, `unanswered` is refused after an answer.
 */
export type Precondition = 'answered' | 'unanswered';

export type ElementCategory = 'start' | 'decision' | 'telephony' | 'media' | 'data' | 'end';

/** The outcome of one run of an element: which pin the call leaves by, and what to remember. */
export interface ElementOutcome {
  readonly pin: string;
  /** Shown in the step log (e.g. `{ answeredBy: 'desk' }`); keep it small and JSON-safe. */
  readonly detail?: Readonly<Record<string, unknown>>;
  /** Flow variables to set before moving on. */
  readonly variables?: Readonly<Record<string, string>>;
  /**
   * Leave this flow for another of the user's flows (Go to flow). The runtime resolves it.
   */
  readonly gotoFlow?: string;
  /** The call is over (hang up, reject); the runtime stops after this element. */
  readonly ends?: boolean;
}

/** Everything a handler may use; nothing else (no globals, no I/O of its own). */
export interface ElementRunContext<Config> {
  readonly nodeId: string;
  readonly config: Config;
  readonly call: CallControl;
  readonly facts: CallFacts;
  /** The flow's variables as they are now (read-only; return `variables` to change them). */
  readonly variables: Readonly<Record<string, string>>;
  readonly services: FlowServices;
  /** Aborted on hang-up, override or the element's timeout: stop and let the rejection through. */
  readonly signal: AbortSignal;
}

/**
 * One element type of the catalog: its config schema (zod, with `.describe()` texts and
 * `.meta({ title })` labels for the editor's properties panel), its output pins, preconditions,
 * and its handler. The schema and pins are browser-safe data the editor reads; the handler runs
 * on the server and in the simulator.
 */
export interface ElementDefinition<Schema extends z.ZodType = z.ZodType> {
  readonly type: string;
  /** Palette name, e.g. `Ring devices`. */
  readonly label: string;
  readonly category: ElementCategory;
  /** One sentence for the palette tooltip. */
  readonly description: string;
  readonly config: Schema;
  /** Output pins for a given (valid) config. */
  pins(config: z.output<Schema>, env: PinEnvironment): readonly PinSpec[];
  readonly preconditions: readonly Precondition[];
  /**
   * True when the element waits for something outside the flow (ringing, a prompt, a key, the
   * desktop): a loop through at least one waiting element is a retry, not a runaway.
   */
  readonly waits: boolean;
  /**
   * Where a call that leaves by an unconnected pin goes instead, if anywhere: Match caller sends
   * a code whose pin is not wired (or a code added after publishing) on as an ordinary known
   * contact. Without it, an unconnected pin ends the call.
   */
  fallbackPin?(pin: string): string | undefined;
  /** Upper bound on one run, enforced by the runtime on top of the element's own timeouts. */
  maxDurationMs(config: z.output<Schema>): number;
  run(context: ElementRunContext<z.output<Schema>>): Promise<ElementOutcome>;
}

/** Erases the schema type for storage in the catalog map (handlers stay correctly typed). */
export type AnyElementDefinition = ElementDefinition;

export function defineElement<Schema extends z.ZodType>(
  definition: ElementDefinition<Schema>,
): ElementDefinition<Schema> {
  return definition;
}
