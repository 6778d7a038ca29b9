import { CliError } from './cli-error.js';

/**
 * Reads a secret piped on standard input (`--password-stdin`), so it never appears in the
 * process list or the shell history as a command-line argument would. One trailing newline is
 * dropped, as `echo` adds it.
 */
export async function readSecretFromStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) {
    throw new CliError(
      `--${what}-stdin reads the ${what} from a pipe, e.g. printf %s "$SECRET" | switchboard ...`,
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const secret = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (secret === '') throw new CliError(`--${what}-stdin: standard input was empty`);
  return secret;
}
