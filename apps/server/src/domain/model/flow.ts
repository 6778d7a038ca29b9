/**
 * A call flow map owned by a user. Each save makes a new immutable version (a draft, which may
 * be invalid); publishing a valid version compiles it, and calls run the published version.
 */
export interface Flow {
  readonly userId: string;
  readonly id: string;
  readonly name: string;
  /** Highest version number; call records name the version they ran. */
  readonly currentVersion: number;
  /** The version calls run, or null while the flow has never been published. */
  readonly publishedVersion: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface FlowVersion {
  readonly userId: string;
  readonly flowId: string;
  readonly version: number;
  /** The flow map document as saved (a draft may not be valid yet). */
  readonly document: unknown;
  /** The compiled program (`CompiledFlow` of `@switchboard/flow`), once published. */
  readonly compiled: unknown;
  /** When this version was published, or null for a draft. */
  readonly publishedAt: number | null;
  readonly createdAt: number;
}
