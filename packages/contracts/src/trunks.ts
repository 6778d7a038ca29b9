import { z } from 'zod';
import { Slug, Timestamp } from './common.js';

/** Where the carrier puts the number it calls: the Request-URI, or the To header. */
const CalledNumberFrom = z
  .enum(['request-uri', 'to'])
  .describe('Where the carrier puts the number it calls: request-uri (most carriers) or to');

export const TrunkDto = z.object({
  id: z.string(),
  host: z.string(),
  port: z.number().int(),
  inbound: z.array(z.string()),
  username: z.string().nullable(),
  password: z.string().nullable(),
  calledNumberFrom: CalledNumberFrom,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type TrunkDto = z.infer<typeof TrunkDto>;

export const TrunkList = z.object({ items: z.array(TrunkDto) });
export type TrunkList = z.infer<typeof TrunkList>;

const Host = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, 'use a host name or an IP address');
const Port = z.number().int().min(1).max(65535);

export const CreateTrunkRequest = z.object({
  id: Slug,
  host: Host,
  port: Port.default(5060),
  inbound: z.array(Host).max(64).default([]).describe('Source addresses trusted to send calls'),
  username: z.string().min(1).max(128).nullable().default(null),
  password: z.string().min(1).max(128).nullable().default(null),
  calledNumberFrom: CalledNumberFrom.default('request-uri'),
});
export type CreateTrunkRequest = z.input<typeof CreateTrunkRequest>;

export const UpdateTrunkRequest = z.object({
  host: Host.optional(),
  port: Port.optional(),
  inbound: z.array(Host).max(64).optional(),
  username: z.string().min(1).max(128).nullable().optional(),
  password: z.string().min(1).max(128).nullable().optional(),
  calledNumberFrom: CalledNumberFrom.optional(),
});
export type UpdateTrunkRequest = z.input<typeof UpdateTrunkRequest>;
