/**
 * The logging the media engine does (rare events only: socket errors, a source or sink that
 * throws). Structured fields first, message second: pino's logger and the server's Logger port
 * satisfy it as they are.
 */
export interface MediaLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export const silentMediaLogger: MediaLogger = {
  warn: () => undefined,
};
