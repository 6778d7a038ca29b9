import { isIP } from 'node:net';
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
        /** Digest realm phones answer REGISTER and INVITE challenges for. */
        realm: z
          .string()
          .regex(
            /^[^"\\\s]{1,64}$/,
            'expected 1-64 characters without spaces, quotes or backslashes',
          )
          .default('switchboard'),
        /** Calls in progress at once; more are refused with 503 (RFC 3261 §21.5.4). */
        maxCalls: z
          .number({ error: 'expected a whole number of calls, at least 1' })
          .int('expected a whole number of calls, at least 1')
          .min(1, 'expected a whole number of calls, at least 1')
          .default(1000),
        /** The trunk calls to external numbers leave through; the first trunk by id when unset. */
        outboundTrunk: z
          .string()
          .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'expected a trunk id such as carrier')
          .optional(),
      })
      .strict()
      .prefault({}),
    media: z
      .object({
        /**
         * The address put in SDP (where phones and carriers send RTP): an IPv4 or IPv6 literal.
         * Default: sip.host, or this machine's first external IPv4 address when that is a
         * wildcard. Set it behind NAT to the public address.
         */
        host: z
          .string()
          .refine(
            (value) => isIP(value) !== 0,
            'expected an IPv4 or IPv6 address such as 203.0.113.10',
          )
          .optional(),
        /** RTP port range: even ports carry RTP, the odd one above each carries RTCP. */
        portMin: port.default(20000),
        portMax: port.default(20999),
      })
      .strict()
      .superRefine((media, ctx) => {
        if (media.portMin < 1024 || media.portMax - media.portMin < 3) {
          ctx.addIssue({
            code: 'custom',
            path: ['portMax'],
            message: `expected a range of at least 4 ports from 1024 up (got ${String(media.portMin)}-${String(media.portMax)}): each call leg takes two`,
          });
        }
      })
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
    smtp: z
      .object({
        /** The SMTP server voicemail e-mails go through; unset: messages are not mailed. */
        host: host.optional(),
        port: port.default(587),
        /** Implicit TLS from the first byte (port 465); false: plain, upgraded by STARTTLS. */
        secure: z.boolean().default(false),
        /** Refuse to send unless the server offers STARTTLS (when `secure` is false). */
        requireTls: z.boolean().default(false),
        user: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        /** Sender of voicemail e-mails, e.g. `Switchboard <voicemail@example.org>`. */
        from: z.string().min(3).default('Switchboard <switchboard@localhost>'),
      })
      .strict()
      .superRefine((smtp, ctx) => {
        if ((smtp.user === undefined) !== (smtp.password === undefined)) {
          ctx.addIssue({
            code: 'custom',
            path: [smtp.user === undefined ? 'user' : 'password'],
            message: 'expected smtp.user and smtp.password together (or neither)',
          });
        }
      })
      .prefault({}),
    voicemail: z
      .object({
        /** Messages shorter than this are discarded as hang-ups. */
        minMessageSeconds: z
          .number({ error: 'expected a number of seconds from 0 to 30' })
          .min(0, 'expected a number of seconds from 0 to 30')
          .max(30, 'expected a number of seconds from 0 to 30')
          .default(1),
        /** Heard messages are deleted this many days after they were heard; 0 keeps them. */
        retentionDays: z
          .number({ error: 'expected a whole number of days (0 keeps messages)' })
          .int('expected a whole number of days (0 keeps messages)')
          .min(0, 'expected a whole number of days (0 keeps messages)')
          .max(36_500, 'expected at most 36500 days')
          .default(0),
        /** Speech voice of text greetings and the built-in greeting (espeak-ng voice name). */
        voice: z
          .string()
          .regex(/^[A-Za-z0-9_+-]{1,40}$/, 'expected an espeak-ng voice name such as en-us')
          .optional(),
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
  SWITCHBOARD_SIP_REALM: { path: ['sip', 'realm'], kind: 'string' },
  SWITCHBOARD_SIP_MAX_CALLS: { path: ['sip', 'maxCalls'], kind: 'integer' },
  SWITCHBOARD_SIP_OUTBOUND_TRUNK: { path: ['sip', 'outboundTrunk'], kind: 'string' },
  SWITCHBOARD_MEDIA_HOST: { path: ['media', 'host'], kind: 'string' },
  SWITCHBOARD_MEDIA_PORT_MIN: { path: ['media', 'portMin'], kind: 'integer' },
  SWITCHBOARD_MEDIA_PORT_MAX: { path: ['media', 'portMax'], kind: 'integer' },
  SWITCHBOARD_CONTACT_CODE_PREFIX: { path: ['contacts', 'codePrefix'], kind: 'string' },
  SWITCHBOARD_SMTP_HOST: { path: ['smtp', 'host'], kind: 'string' },
  SWITCHBOARD_SMTP_PORT: { path: ['smtp', 'port'], kind: 'integer' },
  SWITCHBOARD_SMTP_SECURE: { path: ['smtp', 'secure'], kind: 'boolean' },
  SWITCHBOARD_SMTP_REQUIRE_TLS: { path: ['smtp', 'requireTls'], kind: 'boolean' },
  SWITCHBOARD_SMTP_USER: { path: ['smtp', 'user'], kind: 'string' },
  SWITCHBOARD_SMTP_PASSWORD: { path: ['smtp', 'password'], kind: 'string' },
  SWITCHBOARD_SMTP_FROM: { path: ['smtp', 'from'], kind: 'string' },
  SWITCHBOARD_VOICEMAIL_MIN_SECONDS: { path: ['voicemail', 'minMessageSeconds'], kind: 'integer' },
  SWITCHBOARD_VOICEMAIL_RETENTION_DAYS: { path: ['voicemail', 'retentionDays'], kind: 'integer' },
  SWITCHBOARD_VOICEMAIL_VOICE: { path: ['voicemail', 'voice'], kind: 'string' },
  SWITCHBOARD_LOG_LEVEL: { path: ['log', 'level'], kind: 'string' },
  SWITCHBOARD_LOG_FORMAT: { path: ['log', 'format'], kind: 'string' },
};

/** Variables that are read elsewhere (config file location, test harness) and are not settings. */
export const NON_SETTING_ENV_VARS: readonly string[] = ['SWITCHBOARD_CONFIG'];
export const NON_SETTING_ENV_PREFIXES: readonly string[] = ['SWITCHBOARD_TEST_'];
