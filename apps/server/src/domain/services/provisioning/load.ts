import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
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
    readFlowFile: (relative) => readFile(resolve(base, relative), 'utf8'),
  });
}
