import { InvalidArgumentError } from 'commander';

/** Parses a port flag so `--http-port 80a` fails with commander's usage error, not later. */
export function parsePortArgument(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  }
  return Number(value);
}
