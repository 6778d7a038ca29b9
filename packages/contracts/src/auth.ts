import { z } from 'zod';
import { Timestamp } from './common.js';
import { UserDto } from './users.js';

export const LoginRequest = z.object({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const LoginResponse = z.object({ user: UserDto, expiresAt: Timestamp });
export type LoginResponse = z.infer<typeof LoginResponse>;

export const MeResponse = z.object({
  user: UserDto,
  /** How this request was authenticated. */
  via: z.enum(['session', 'token']),
});
export type MeResponse = z.infer<typeof MeResponse>;

/** An API token as listed: the secret itself is shown only once, when it is created. */
export const ApiTokenDto = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
});
export type ApiTokenDto = z.infer<typeof ApiTokenDto>;

export const ApiTokenList = z.object({ items: z.array(ApiTokenDto) });
export type ApiTokenList = z.infer<typeof ApiTokenList>;

export const CreateApiTokenRequest = z.object({ name: z.string().trim().min(1).max(100) });
export type CreateApiTokenRequest = z.infer<typeof CreateApiTokenRequest>;

export const CreatedApiToken = ApiTokenDto.extend({
  /** `sbt_...`: send as `Authorization: Bearer <token>`. Store it now; it is not shown again. */
  token: z.string(),
});
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;
