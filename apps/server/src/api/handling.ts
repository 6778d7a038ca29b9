import { BUILTIN_PREFIX } from '../domain/model/index.js';
import type { Store } from '../domain/ports/store.js';
import { BUILTIN_METHODS, isBuiltinMethod } from '../domain/services/builtin-methods.js';
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
    if (!isBuiltinMethod(method)) {
      const known = BUILTIN_METHODS.map((m) => BUILTIN_PREFIX + m.name).join(', ');
      throw invalidField(path, `"${method}" is not a built-in method; use one of ${known}`);
    }
    return;
  }
  if (!(await store.flows.get(userId, method))) {
    throw invalidField(
      path,
      `there is no flow "${method}"; use builtin:<template> or the id of one of the user's flows`,
    );
  }
}
