import { z } from 'zod';
import { Slug, Timestamp } from './common.js';

/** SIP digest usernames: unique on the server, plain characters only. */
export const SipUsername = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'use 1-64 letters, digits, `.`, `-` or `_`, starting with a letter or digit',
  );
export const SipPassword = z.string().min(8, 'use at least 8 characters').max(128);

const DeviceBase = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const SipDeviceDto = DeviceBase.extend({
  kind: z.literal('sip'),
  sipUsername: z.string(),
  /** Shown to the device's owner and to admins only, to configure the phone. */
  sipPassword: z.string(),
});
export const ExternalDeviceDto = DeviceBase.extend({
  kind: z.literal('external'),
  number: z.string(),
});
export const DeviceDto = z.discriminatedUnion('kind', [SipDeviceDto, ExternalDeviceDto]);
export type DeviceDto = z.infer<typeof DeviceDto>;

export const DeviceList = z.object({ items: z.array(DeviceDto) });
export type DeviceList = z.infer<typeof DeviceList>;

export const CreateDeviceRequest = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('sip'),
    id: Slug,
    name: z.string().trim().min(1).max(100),
    sipUsername: SipUsername,
    sipPassword: SipPassword.optional().describe('Generated when omitted'),
  }),
  z.object({
    kind: z.literal('external'),
    id: Slug,
    name: z.string().trim().min(1).max(100),
    number: z.string().min(1).max(40).describe('In any common format; read in the user’s country'),
  }),
]);
export type CreateDeviceRequest = z.input<typeof CreateDeviceRequest>;

/** Changes to a device; `sipUsername`/`sipPassword` apply to SIP devices, `number` to external. */
export const UpdateDeviceRequest = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  sipUsername: SipUsername.optional(),
  sipPassword: SipPassword.optional(),
  number: z.string().min(1).max(40).optional(),
});
export type UpdateDeviceRequest = z.input<typeof UpdateDeviceRequest>;
