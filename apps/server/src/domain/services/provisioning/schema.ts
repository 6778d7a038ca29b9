import { FlowMapSchema } from '@switchboard/flow';
import {
  isCountryCode,
  isTimeZone,
  RESERVED_USER_IDS,
  USER_ID_PATTERN,
  USER_ID_RULE,
} from '@switchboard/contracts';
import { z } from 'zod';
import { PhoneNumberError, toE164 } from '../phone-numbers.js';

/**
 * The provisioning file: trunks, users, their numbers, devices, handling codes, flows and
 * contacts. This shape is a contract with users and their scripts: keys are only ever added.
 * Objects are strict so a misspelt key is an error naming it rather than a setting silently lost.
 *
 * The schemas come from factories because phone numbers are read with a country that depends on
 * where they sit (the user's `country`, else the file's), and because the published JSON Schema
 * embeds the flow map schema where validation runs the full flow validator instead.
 */

/**
 * Cross-field rules run even when a field inside the object has a problem (zod skips them by
 * default then), so one typo does not hide the next problem; they only need an object.
 */
const whenObject = {
  when: (payload: { value: unknown }) =>
    typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
};

const slug = (what: string) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(
      /^[a-z0-9][a-z0-9._-]*$/,
      `${what} may hold only lower-case letters, digits and . _ - (and must start with a letter or digit)`,
    );

/** The same rule as the API and `user add`: see @switchboard/contracts identifiers. */
const userId = z
  .string()
  .regex(USER_ID_PATTERN, USER_ID_RULE)
  .refine((id) => !RESERVED_USER_IDS.includes(id), 'this user id is reserved');

export const CountrySchema = z
  .string()
  .regex(/^\s*[A-Za-z]{2}\s*$/, 'must be a two-letter ISO 3166 country code such as US, GB or FR')
  .transform((value) => value.trim().toUpperCase())
  .refine(isCountryCode, 'must be a two-letter ISO 3166 country code such as US, GB or FR')
  .describe('Two-letter ISO 3166 country code, used to read numbers written without +.');

const TimezoneSchema = z
  .string()
  .refine(isTimeZone, 'must be an IANA time zone such as America/New_York or Europe/Paris')
  .describe('IANA time zone; schedules and calendars are read in it.');

/** A phone number as written plus its E.164 form. */
export interface WrittenNumber {
  readonly raw: string;
  readonly e164: string;
}

/**
 * A phone number field. YAML reads an unquoted `+12025550100` as an integer and drops the `+`,
 * so a number given as a number gets a message saying to quote it.
 */
export function phoneNumberSchema(country: string | undefined) {
  return z
    .string({
      error: (issue) =>
        typeof issue.input === 'number'
          ? 'write phone numbers in quotes ("+12025550100"): unquoted, YAML reads them as integers'
          : undefined,
    })
    .transform((raw, ctx): WrittenNumber => {
      const bare = raw.trim().replace(/^tel:/i, '');
      if (country === undefined && !bare.startsWith('+')) {
        ctx.addIssue({
          code: 'custom',
          message: `"${raw}" has no country code: write it as +<country code>... or set "country"`,
        });
        return z.NEVER;
      }
      try {
        return { raw, e164: toE164(raw, country ?? 'ZZ') };
      } catch (error) {
        if (!(error instanceof PhoneNumberError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    })
    .describe(
      'A phone number as people write it; "+1 202 555 0100" or, with a country, "(202) 555-0100".',
    );
}

const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;

/** `host`, `host:port`, `[v6]` or `[v6]:port`; the SIP default port 5060 when none is given. */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(value);
  const host = bracketed?.[1] ?? plain?.[1];
  const portText = bracketed?.[2] ?? plain?.[2];
  if (host === undefined) return undefined;
  if (bracketed ? !IPV6.test(host) : !(IPV4.test(host) || HOST.test(host))) return undefined;
  const port = portText === undefined ? 5060 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

const AddressSchema = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseHostPort(value.trim());
    if (!parsed) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not host:port (e.g. 203.0.113.5:5060, sip.carrier.example or [2001:db8::1]:5060)`,
      });
      return z.NEVER;
    }
    return parsed;
  })
  .describe('host:port where calls to external numbers are sent; port 5060 when omitted.');

const InboundAddressSchema = z
  .string()
  .refine((value) => {
    const [address, prefix, ...rest] = value.split('/');
    if (address === undefined || rest.length > 0) return false;
    const v4 = IPV4.test(address);
    if (!v4 && !IPV6.test(address)) return false;
    if (prefix === undefined) return true;
    const bits = Number(prefix);
    return /^\d+$/.test(prefix) && bits <= (v4 ? 32 : 128);
  }, 'must be an IP address or network (203.0.113.5, 2001:db8::1, 198.51.100.0/24)')
  .describe('A source address (or CIDR network) trusted to deliver calls for our numbers.');

export const TrunkSchema = z
  .strictObject({
    id: slug('a trunk id'),
    address: AddressSchema,
    inbound: z.array(InboundAddressSchema).default([]),
    username: z.string().min(1, 'must not be empty').optional(),
    password: z.string().min(1, 'must not be empty').optional(),
    calledNumberFrom: z
      .enum(['request-uri', 'to'], 'must be request-uri or to')
      .default('request-uri')
      .describe(
        'Where the carrier puts the number it calls: the Request-URI (most carriers) or the To header.',
      ),
  })
  .superRefine((trunk, ctx) => {
    if (trunk.username !== undefined && trunk.password === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['password'],
        message: 'required when username is set',
      });
    }
    if (trunk.password !== undefined && trunk.username === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['username'],
        message: 'required when password is set',
      });
    }
  }, whenObject)
  .describe('A SIP carrier connection.');

const HandlingMethodSchema = z
  .string()
  .min(1, 'must not be empty')
  .describe("builtin:<template> (see builtin-methods) or the id of one of the user's flows.");

/** What a handling code may look like; they compare case-insensitively and are stored upper-case. */
export const HANDLING_CODE_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

const HandlingCodeKeySchema = z
  .string()
  .regex(
    HANDLING_CODE_PATTERN,
    'a handling code is a word of letters, digits, _ and - (up to 32, starting with a letter)',
  );

const HandlingSchema = z
  .strictObject({
    default: HandlingMethodSchema.default('builtin:ring-then-voicemail').describe(
      'For callers in the contacts without a handling code.',
    ),
    unknown: HandlingMethodSchema.optional().describe(
      'For callers not in the contacts; the default method when omitted.',
    ),
    anonymous: HandlingMethodSchema.optional().describe(
      'For callers who withhold their number; the unknown-caller method when omitted.',
    ),
    codes: z
      .record(
        HandlingCodeKeySchema,
        z.union([
          HandlingMethodSchema,
          z.strictObject({
            method: HandlingMethodSchema,
            description: z.string().optional(),
          }),
        ]),
      )
      .default({})
      .describe('Handling code (as written in contacts, any case) -> handling method.'),
  })
  .describe("How the user's calls are handled.");

const SipCredentialsSchema = z.strictObject({
  username: z
    .string()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(/^[A-Za-z0-9._~+-]+$/, 'may hold only letters, digits and . _ ~ + -')
    .describe('Digest username the phone registers with; unique across the server.'),
  password: z
    .string()
    // Registrars on the internet are scanned and guessed at all day (svcrack and friends).
    .min(8, 'must be at least 8 characters: SIP passwords are guessed at by scanners')
    .describe('Digest password of the phone.'),
});

function deviceSchema(country: string | undefined) {
  return z
    .strictObject({
      id: slug('a device id'),
      name: z.string().min(1, 'must not be empty').optional(),
      sip: SipCredentialsSchema.optional().describe('A phone that registers with Switchboard.'),
      number: phoneNumberSchema(country).optional().describe('A number reached through a trunk.'),
    })
    .superRefine((device, ctx) => {
      if (device.sip === undefined && device.number === undefined) {
        ctx.addIssue({
          code: 'custom',
          message:
            'needs either "sip" (a phone that registers) or "number" (reached through a trunk)',
        });
      }
      if (device.sip !== undefined && device.number !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'has both "sip" and "number": a device is one or the other',
        });
      }
    }, whenObject)
    .describe("Something the user's calls can ring.");
}

function flowSchema(forJsonSchema: boolean) {
  return z
    .strictObject({
      id: slug('a flow id'),
      name: z
        .string()
        .min(1, 'must not be empty')
        .optional()
        .describe("The map's name when omitted."),
      file: z
        .string()
        .min(1, 'must not be empty')
        .optional()
        .describe('Path of a flow map JSON/YAML file, relative to this file.'),
      // Validation runs the whole flow validator on `map` afterwards (ids, edges, reachability),
      // so here it only has to be present; the JSON Schema shows editors its full shape.
      map: (forJsonSchema ? FlowMapSchema : z.unknown())
        .optional()
        .describe('The flow map, inline.'),
    })
    .superRefine((flow, ctx) => {
      const given = Number(flow.file !== undefined) + Number(flow.map !== undefined);
      if (given !== 1) {
        ctx.addIssue({
          code: 'custom',
          message: given === 0 ? 'needs "file" or "map"' : 'has both "file" and "map": give one',
        });
      }
    }, whenObject)
    .describe('A call flow map of the user.');
}

function contactSchema(country: string | undefined) {
  return z
    .strictObject({
      id: z
        .string()
        .min(1, 'must not be empty')
        .optional()
        .describe('Stable key; the name when omitted.'),
      name: z.string().trim().min(1, 'must not be empty'),
      organization: z.string().optional(),
      phones: z.array(phoneNumberSchema(country)).default([]),
      emails: z.array(z.email('must be an e-mail address')).default([]),
      handlingCode: HandlingCodeKeySchema.optional().describe("One of the user's handling codes."),
    })
    .describe('A contact of the user (source "provision").');
}

export function userSchema(country: string | undefined, forJsonSchema = false) {
  return z
    .strictObject({
      id: userId,
      name: z.string().trim().min(1, 'must not be empty'),
      email: z.email('must be an e-mail address'),
      password: z
        .string()
        .min(1, 'must not be empty')
        .optional()
        .describe('Sign-in password; when omitted an existing password is kept.'),
      timezone: TimezoneSchema.default('UTC'),
      country: CountrySchema.optional().describe("Overrides the file's country for this user."),
      role: z.enum(['admin', 'user']).default('user'),
      numbers: z
        .array(phoneNumberSchema(country))
        .default([])
        .describe('Numbers (DIDs) that reach this user.'),
      devices: z.array(deviceSchema(country)).default([]),
      attendant: userId.optional().describe('Id of the user who answers for this one.'),
      handling: HandlingSchema.default({ default: 'builtin:ring-then-voicemail', codes: {} }),
      flows: z.array(flowSchema(forJsonSchema)).default([]),
      contacts: z.array(contactSchema(country)).default([]),
    })
    .describe('A person (or office seat) whose calls Switchboard handles.');
}

/**
 * The top of the file. Validation parses trunks and users one by one (so one bad user does not
 * hide the problems of the next, and each user's numbers are read with the user's country);
 * the published JSON Schema nests them.
 */
export const FileHeaderSchema = z.strictObject({
  $schema: z.string().optional().describe('Lets editors find this JSON Schema.'),
  country: CountrySchema.optional(),
  trunks: z.array(z.unknown()).default([]),
  users: z.array(z.unknown()).default([]),
});

export function provisioningFileSchema() {
  return z
    .strictObject({
      $schema: z.string().optional().describe('Lets editors find this JSON Schema.'),
      country: CountrySchema.optional(),
      trunks: z.array(TrunkSchema).default([]),
      users: z.array(userSchema('US', true)).default([]),
    })
    .describe('A Switchboard provisioning file.');
}

export type ParsedTrunk = z.output<typeof TrunkSchema>;
export type ParsedUser = z.output<ReturnType<typeof userSchema>>;
