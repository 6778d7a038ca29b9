/**
 * Injected time source (epoch milliseconds). Structural, so the server's `Clock` and a test's
 * fake clock both fit without an import between packages.
 */
export interface Clock {
  now(): number;
}
