import { BUILTIN_PREFIX } from '../domain/model/index.js';
import type { Store } from '../domain/ports/store.js';
import {
  builtinDevice,
  builtinMethodList,
  builtinMethodProblem,
  parseBuiltinMethod,
} from '../domain/services/builtin-methods.js';
import { invalidField } from './errors.js';

/**
 * Checks that a handling method names a built-in template or one of the user's flows, so a
 * typo is a 400 now rather than a failed call later.
 */
export async function checkHandlingMethod(
  store: Store,
  userId: string,
  method: string,
  path: string,
): Promise<void> {
  if (method.startsWith(BUILTIN_PREFIX)) {
    const builtin = parseBuiltinMethod(method);
    if (builtin === undefined) {
      const problem = builtinMethodProblem(method) ?? `"${method}" is not a built-in method`;
      throw invalidField(path, `${problem}; use one of ${builtinMethodList()}`);
    }
    const device = builtinDevice(builtin);
    if (device !== undefined && !(await store.devices.get(userId, device))) {
      throw invalidField(path, `"${method}" names no device of the user's: add "${device}" first`);
    }
    return;
  }
  const flow = await store.flows.get(userId, method);
  if (!flow) {
    throw invalidField(
      path,
      `there is no flow "${method}"; use builtin:<template> or the id of one of the user's flows`,
    );
  }
  // Calls run published versions only: a draft that was never published cannot take calls.
  if (flow.publishedVersion === null) {
    throw invalidField(path, `flow "${method}" has never been published; publish it first`);
  }
}
