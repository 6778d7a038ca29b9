import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import {
  ConfigSchema,
  ENV_VARS,
  NON_SETTING_ENV_PREFIXES,
  NON_SETTING_ENV_VARS,
  type Config,
  type EnvKind,
} from './schema.js';

/** A configuration problem, worded as one line that names the key and what was expected. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** `--config FILE`; else `SWITCHBOARD_CONFIG`; else `./switchboard.yaml` when it exists. */
  configFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Command-line overrides, already shaped like the config (highest precedence). */
  overrides?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: Config;
  /** The config file that was read, if any. */
  file: string | undefined;
}

type Source =
  | { kind: 'default' }
  | { kind: 'file'; file: string }
  | { kind: 'env'; name: string }
  | { kind: 'flag' };
type Tree = Record<string, unknown>;

const PATH_KEYS = [['dataDir'], ['provision']] as const;
const SECRET_KEYS: readonly string[] = ['databaseUrl', 'smtp.password'];

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const merged: Tree = {};
  const sources = new Map<string, Source>();

  const file = pickConfigFile(options.configFile ?? env['SWITCHBOARD_CONFIG'], cwd);
  if (file) {
    const fromFile = readConfigFile(file);
    // Paths written in a config file mean "relative to that file", as people expect.
    for (const path of PATH_KEYS) resolvePathValue(fromFile, path, dirname(file));
    resolveSqliteUrl(fromFile, dirname(file));
    mergeInto(merged, fromFile, [], sources, { kind: 'file', file });
  }

  const fromEnv = readEnv(env, sources);
  for (const path of PATH_KEYS) resolvePathValue(fromEnv, path, cwd);
  resolveSqliteUrl(fromEnv, cwd);
  mergeInto(merged, fromEnv, [], new Map(), { kind: 'default' });

  if (options.overrides) {
    const flags = structuredClone(options.overrides);
    for (const path of PATH_KEYS) resolvePathValue(flags, path, cwd);
    resolveSqliteUrl(flags, cwd);
    mergeInto(merged, flags, [], sources, { kind: 'flag' });
  }

  const result = ConfigSchema.safeParse(merged);
  if (!result.success)
    throw new ConfigError(describeIssue(result.error.issues[0], merged, sources));
  const config = result.data;
  // The default data directory is relative to where the server is started.
  if (!isAbsolute(config.dataDir)) config.dataDir = resolve(cwd, config.dataDir);
  return { config, file };
}

function pickConfigFile(requested: string | undefined, cwd: string): string | undefined {
  if (requested !== undefined && requested !== '') {
    const path = resolve(cwd, requested);
    if (!existsSync(path))
      throw new ConfigError(
        `config file ${path} does not exist (given by --config or SWITCHBOARD_CONFIG)`,
      );
    return path;
  }
  const fallback = resolve(cwd, 'switchboard.yaml');
  return existsSync(fallback) ? fallback : undefined;
}

function readConfigFile(file: string): Tree {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      const where = at ? `line ${at.line}, column ${at.col}` : 'somewhere';
      throw new ConfigError(
        `config file ${file}: not valid YAML at ${where}: ${error.message.split('\n')[0] ?? ''}`,
      );
    }
    throw new ConfigError(`config file ${file} cannot be read: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file}: expected a mapping of settings at the top level`);
  }
  return parsed as Tree;
}

function readEnv(env: NodeJS.ProcessEnv, sources: Map<string, Source>): Tree {
  const tree: Tree = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('SWITCHBOARD_') || raw === undefined) continue;
    if (
      NON_SETTING_ENV_VARS.includes(name) ||
      NON_SETTING_ENV_PREFIXES.some((p) => name.startsWith(p))
    )
      continue;
    const spec = ENV_VARS[name];
    if (!spec) {
      throw new ConfigError(
        `${name} is not a Switchboard setting; known variables: ${Object.keys(ENV_VARS).join(', ')}`,
      );
    }
    setAt(tree, spec.path, readEnvValue(name, raw, spec.kind));
    sources.set(spec.path.join('.'), { kind: 'env', name });
  }
  return tree;
}

function readEnvValue(name: string, raw: string, kind: EnvKind): unknown {
  const value = raw.trim();
  if (kind === 'integer') {
    if (!/^\d+$/.test(value)) throw new ConfigError(`${name}="${raw}": expected a whole number`);
    return Number(value);
  }
  if (kind === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off)$/i.test(value)) return false;
    throw new ConfigError(`${name}="${raw}": expected true or false`);
  }
  return value;
}

function mergeInto(
  target: Tree,
  source: Tree,
  prefix: string[],
  sources: Map<string, Source>,
  origin: Source,
): void {
  for (const [key, value] of Object.entries(source)) {
    const path = [...prefix, key];
    if (isTree(value) && (isTree(target[key]) || target[key] === undefined)) {
      const child = isTree(target[key]) ? target[key] : {};
      target[key] = child;
      mergeInto(child, value, path, sources, origin);
    } else {
      target[key] = value;
      if (origin.kind !== 'default') sources.set(path.join('.'), origin);
    }
  }
}

function resolvePathValue(tree: Tree, path: readonly string[], base: string): void {
  const key = path[0];
  if (key !== undefined && typeof tree[key] === 'string' && tree[key] !== '') {
    tree[key] = resolve(base, tree[key]);
  }
}

/** `sqlite:PATH` is a path too: relative to the config file when written there. */
function resolveSqliteUrl(tree: Tree, base: string): void {
  const url = tree['databaseUrl'];
  if (typeof url !== 'string' || !url.startsWith('sqlite:')) return;
  const path = url.slice('sqlite:'.length);
  if (path !== '' && path !== ':memory:') tree['databaseUrl'] = `sqlite:${resolve(base, path)}`;
}

function setAt(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  path.slice(0, -1).forEach((key) => {
    node[key] = isTree(node[key]) ? node[key] : {};
    node = node[key] as Tree;
  });
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeIssue(
  issue: z.core.$ZodIssue | undefined,
  merged: Tree,
  sources: Map<string, Source>,
): string {
  if (!issue) return 'configuration is invalid';
  const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = [...issue.path.map(String), ...(unknownKeys.length === 1 ? unknownKeys : [])];
  const key = path.join('.') || '(top level)';
  const source = describeSource(sources.get(key) ?? sources.get(issue.path.map(String).join('.')));
  if (unknownKeys.length > 0) {
    return `${key}${source}: unknown setting${unknownKeys.length > 1 ? `s ${unknownKeys.join(', ')}` : ''}; see docs/CONFIGURATION.md for the known ones`;
  }
  const value = getAt(merged, issue.path.map(String));
  // A database URL may carry a password: name the key, never echo the value.
  const shown =
    value === undefined || SECRET_KEYS.includes(key) ? '' : ` = ${JSON.stringify(value)}`;
  return `${key}${shown}${source}: ${issue.message}`;
}

function describeSource(source: Source | undefined): string {
  if (!source) return '';
  if (source.kind === 'env') return ` (from ${source.name})`;
  if (source.kind === 'file') return ` (in ${source.file})`;
  if (source.kind === 'flag') return ' (from the command line)';
  return '';
}

function getAt(tree: Tree, path: string[]): unknown {
  let node: unknown = tree;
  for (const key of path) node = isTree(node) ? node[key] : undefined;
  return node;
}
