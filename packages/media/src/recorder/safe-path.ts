/**
 * Files the engine writes (recordings) or reads on a caller's behalf land under a root directory
 * the caller gives (the data directory). A path from outside (a user id, a configured greeting)
 * must not reach elsewhere: no absolute paths, no `..` segments, and no symbolic link inside the
 * root that points out of it.
 */
import { mkdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/** A path that would leave the root, or is not a usable relative path at all. */
export class UnsafePathError extends Error {
  override readonly name = 'UnsafePathError';
}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** Checks the shape of `relativePath` and resolves it under `root` (no file system access). */
export function resolveUnderRoot(root: string, relativePath: string): string {
  if (typeof relativePath !== 'string' || relativePath.trim() === '') {
    throw new UnsafePathError('the path is empty');
  }
  if (relativePath.includes('\0')) throw new UnsafePathError('the path contains a NUL byte');
  if (isAbsolute(relativePath)) {
    throw new UnsafePathError(`"${relativePath}" is absolute; give a path relative to ${root}`);
  }
  if (relativePath.split(/[\\/]/).includes('..')) {
    throw new UnsafePathError(`"${relativePath}" contains "..": it must stay inside ${root}`);
  }
  const rootAbs = resolve(root);
  const target = resolve(rootAbs, relativePath);
  if (!isInside(rootAbs, target)) {
    throw new UnsafePathError(`"${relativePath}" does not name a file inside ${root}`);
  }
  return target;
}

/** The real path of `path`'s nearest existing ancestor (itself when it exists). */
async function realExistingAncestor(path: string): Promise<{ real: string; rest: string }> {
  let current = path;
  for (;;) {
    try {
      const real = await realpath(current);
      return { real, rest: relative(current, path) };
    } catch (error) {
      const parent = dirname(current);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw error;
      current = parent;
    }
  }
}

/**
 * Resolves `relativePath` under `root` for a file about to be created: creates the missing parent
 * directories, and refuses when an existing directory on the way is a link leading out of the
 * root. Returns the absolute path to create (its last component is checked by opening it with
 * O_EXCL or O_NOFOLLOW).
 */
export async function prepareFileUnderRoot(root: string, relativePath: string): Promise<string> {
  const target = resolveUnderRoot(root, relativePath);
  const realRoot = await realpath(root).catch((error: unknown) => {
    throw new UnsafePathError(
      `the root directory ${root} is not usable: ${(error as Error).message}`,
    );
  });
  const parent = dirname(target);
  const checkParent = async (): Promise<void> => {
    const { real, rest } = await realExistingAncestor(parent);
    const realParent = resolve(real, rest);
    if (realParent !== realRoot && !isInside(realRoot, realParent)) {
      throw new UnsafePathError(`"${relativePath}" leads outside ${root} through a symbolic link`);
    }
  };
  await checkParent();
  await mkdir(parent, { recursive: true });
  await checkParent(); // a link swapped in while the directories were made
  return target;
}

/** Resolves an existing file under `root`, refusing one that resolves (via links) outside it. */
export async function existingFileUnderRoot(root: string, relativePath: string): Promise<string> {
  const target = resolveUnderRoot(root, relativePath);
  const [realRoot, realTarget] = await Promise.all([realpath(root), realpath(target)]);
  if (!isInside(realRoot, realTarget)) {
    throw new UnsafePathError(`"${relativePath}" leads outside ${root} through a symbolic link`);
  }
  return target;
}
