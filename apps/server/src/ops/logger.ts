import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '../config/schema.js';

/**
 * Structured logs: human-readable in a terminal, one JSON object per line otherwise (for
 * journald, Docker, log shippers). pino-pretty runs in-process as a stream rather than a worker
 * transport so the last lines before an exit are never lost.
 */
export function createLogger(
  options: Config['log'],
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Logger {
  const wantsPretty =
    options.format === 'pretty' || (options.format === 'auto' && stream.isTTY === true);
  const base = { level: options.level, base: { service: 'switchboard' } };
  if (!wantsPretty) return pino(base, stream);
  return pino(
    base,
    pretty({
      destination: stream,
      colorize: stream.isTTY === true,
      ignore: 'pid,hostname,service',
      translateTime: 'SYS:HH:MM:ss.l',
      sync: true,
    }),
  );
}
