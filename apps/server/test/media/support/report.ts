/**
 * What a media test measured (correlations, energies, digits), printed as one JSON line so a
 * run's output says how close to its thresholds each proof was, not only that it passed.
 */
export function report(test: string, measured: Record<string, unknown>): void {
  const text = JSON.stringify({ test, ...measured }, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? String(value) : value,
  );
  process.stdout.write(`[media proof] ${text}\n`);
}
