/** A call flow map owned by a user. Each save makes a new immutable version. */
export interface Flow {
  readonly userId: string;
  readonly id: string;
  readonly name: string;
  /** Highest version number; call records name the version they ran. */
  readonly currentVersion: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface FlowVersion {
  readonly userId: string;
  readonly flowId: string;
  readonly version: number;
  /** The flow map document as validated by `@switchboard/flow`. */
  readonly document: unknown;
  readonly createdAt: number;
}
