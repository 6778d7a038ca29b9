import { z } from 'zod';

const PORT = 'expected a port number from 0 to 65535 (0 picks a free one)';
const port = z.number({ error: PORT }).int(PORT).min(0, PORT).max(65535, PORT);
const host = z.string().min(1);

/**
 * Every setting of the server. Values come from defaults, then the config file, then
 * `SWITCHBOARD_*` environment variables, then command-line flags (each overriding the last).
 * Unknown keys are errors so a typo never silently falls back to a default.
 */
export const ConfigSchema = z
  .object({
    dataDir: z.string().min(1).default('./data'),
    databaseUrl: z
      .string()
      .regex(
        /^(postgres(ql)?:\/\/|sqlite:)/,
        'expected postgres://user:password@host:5432/database (or postgresql://), or sqlite:PATH',
      )
      .optional(),
    provision: z.string().min(1).optional(),
    demo: z.boolean().default(true),
    http: z
      .object({
        host: host.default('0.0.0.0'),
        port: port.default(8080),
        cookieSecure: z.boolean().default(false),
        /** Behind a reverse proxy: read the client address from X-Forwarded-For. */
        trustProxy: z.boolean().default(false),
        publicUrl: z.url().optional(),
      })
      .strict()
      .prefault({}),
    sip: z
      .object({
        host: host.default('0.0.0.0'),
        port: port.default(5060),
      })
      .strict()
      .prefault({}),
    contacts: z
      .object({
        /** `hc:` reads `hc:VIP` categories and `[hc:VIP]` notes as handling codes on import. */
        codePrefix: z
          .string()
          .regex(
            /^[^\s[\]]{1,16}$/,
            'expected 1-16 characters without spaces or brackets, such as hc:',
          )
          .default('hc:'),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z
          .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
          .default('info'),
        format: z.enum(['auto', 'pretty', 'json']).default('auto'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** How a value in the environment is read before the schema checks it. */
export type EnvKind = 'string' | 'integer' | 'boolean';

/**
 * The environment variables, one per setting: an explicit table rather than a naming rule so
 * `SWITCHBOARD_DATA_DIR` can be `dataDir` and every name is greppable.
 */
export const ENV_VARS: Readonly<Record<string, { path: readonly string[]; kind: EnvKind }>> = {
  SWITCHBOARD_DATA_DIR: { path: ['dataDir'], kind: 'string' },
  SWITCHBOARD_DATABASE_URL: { path: ['databaseUrl'], kind: 'string' },
  SWITCHBOARD_PROVISION: { path: ['provision'], kind: 'string' },
  SWITCHBOARD_DEMO: { path: ['demo'], kind: 'boolean' },
  SWITCHBOARD_HTTP_HOST: { path: ['http', 'host'], kind: 'string' },
  SWITCHBOARD_HTTP_PORT: { path: ['http', 'port'], kind: 'integer' },
  SWITCHBOARD_COOKIE_SECURE: { path: ['http', 'cookieSecure'], kind: 'boolean' },
  SWITCHBOARD_TRUST_PROXY: { path: ['http', 'trustProxy'], kind: 'boolean' },
  SWITCHBOARD_PUBLIC_URL: { path: ['http', 'publicUrl'], kind: 'string' },
  SWITCHBOARD_SIP_HOST: { path: ['sip', 'host'], kind: 'string' },
  SWITCHBOARD_SIP_PORT: { path: ['sip', 'port'], kind: 'integer' },
  SWITCHBOARD_CONTACT_CODE_PREFIX: { path: ['contacts', 'codePrefix'], kind: 'string' },
  SWITCHBOARD_LOG_LEVEL: { path: ['log', 'level'], kind: 'string' },
  SWITCHBOARD_LOG_FORMAT: { path: ['log', 'format'], kind: 'string' },
};

/** Variables that are read elsewhere (config file location, test harness) and are not settings. */
export const NON_SETTING_ENV_VARS: readonly string[] = ['SWITCHBOARD_CONFIG'];
export const NON_SETTING_ENV_PREFIXES: readonly string[] = ['SWITCHBOARD_TEST_'];
