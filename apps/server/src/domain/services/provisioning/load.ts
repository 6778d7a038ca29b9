import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { ProvisioningDocument } from './document.js';
import { parseProvisioning } from './parse.js';
import { ProvisioningError } from './provisioning-error.js';

/**
 * Reads and validates a provisioning file (YAML or JSON) and the flow files it names, which are
 * looked up relative to the file. Throws ProvisioningError listing every problem.
 */
export async function loadProvisioningFile(path: string): Promise<ProvisioningDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error);
    throw new ProvisioningError([{ path: '', message: `cannot read ${path}: ${reason}` }], path);
  }
  const base = dirname(resolve(path));
  return parseProvisioning(text, {
    fileName: path,
    readFlowFile: (name) => readFlowFile(base, name),
  });
}

/** A flow map is a small JSON/YAML document; anything larger is not one. */
const MAX_FLOW_FILE_BYTES = 1024 * 1024;

/**
 * Reads a flow file named by a provisioning file. It must lie inside the provisioning file's
 * folder (after following links): the file may come from a script or another team, and the
 * server may apply it at start with rights the author does not have, so `../../etc/shadow` or an
 * absolute path must not turn provisioning into a way to read (and quote in errors) other files.
 */
async function readFlowFile(base: string, name: string): Promise<string> {
  const root = await realpath(base);
  const target = await realpath(resolve(root, name));
  const inside = relative(root, target);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    throw new Error(`it must be inside the folder of the provisioning file (${root})`);
  }
  const size = (await stat(target)).size;
  if (size > MAX_FLOW_FILE_BYTES) {
    throw new Error(
      `it is ${String(size)} bytes; a flow map is at most ${String(MAX_FLOW_FILE_BYTES)}`,
    );
  }
  return readFile(target, 'utf8');
}
