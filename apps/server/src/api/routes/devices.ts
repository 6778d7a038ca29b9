import {
  CreateDeviceRequest,
  DeviceDto,
  DeviceList,
  Slug,
  UpdateDeviceRequest,
  UserIdParam,
} from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomBytes } from 'node:crypto';
import type { DeviceInput } from '../../domain/model/index.js';
import { resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { toDeviceDto } from '../dto.js';
import { conflict, invalidField, notFound } from '../errors.js';
import { normaliseNumber } from '../phones.js';
import { NoContent, TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

const DeviceParams = UserIdParam.extend({ deviceId: Slug });

/** 24 characters of base64url: 144 bits, easy to paste into a phone's settings page. */
function generateSipPassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * A user's devices: SIP phones (whose digest password is shown to the owner and admins, who
 * configure the phone) and external numbers reached through a trunk.
 */
export function deviceRoutes(ctx: RouteContext): FastifyPluginAsyncZod {
  const { store } = ctx;

  async function checkSipUsernameFree(username: string, userId: string, deviceId: string) {
    const holder = await store.devices.findBySipUsername(username);
    if (holder && !(holder.userId === userId && holder.id === deviceId)) {
      throw conflict(`The SIP username ${username} is already taken`);
    }
  }

  return routes((app) => {
    app.get(
      '/api/users/:userId/devices',
      {
        schema: {
          tags: [TAGS.devices],
          summary: 'List a user’s devices',
          params: UserIdParam,
          response: { 200: DeviceList, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const devices = await store.devices.listByUser(owner.id);
        return { items: devices.map(toDeviceDto) };
      },
    );

    app.get(
      '/api/users/:userId/devices/:deviceId',
      {
        schema: {
          tags: [TAGS.devices],
          summary: 'Get one device',
          params: DeviceParams,
          response: { 200: DeviceDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const device = await store.devices.get(owner.id, request.params.deviceId);
        if (!device) throw notFound(`Device ${request.params.deviceId}`);
        return toDeviceDto(device);
      },
    );

    app.post(
      '/api/users/:userId/devices',
      {
        schema: {
          tags: [TAGS.devices],
          summary: 'Add a device (SIP phone or external number)',
          params: UserIdParam,
          body: CreateDeviceRequest,
          response: { 201: DeviceDto, ...signedInErrors, ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const body = request.body;
        if (await store.devices.get(owner.id, body.id)) {
          throw conflict(`There is already a device ${body.id}`);
        }
        let input: DeviceInput;
        if (body.kind === 'sip') {
          await checkSipUsernameFree(body.sipUsername, owner.id, body.id);
          input = {
            kind: 'sip',
            id: body.id,
            userId: owner.id,
            name: body.name,
            sipUsername: body.sipUsername,
            sipPassword: body.sipPassword ?? generateSipPassword(),
          };
        } else {
          input = {
            kind: 'external',
            id: body.id,
            userId: owner.id,
            name: body.name,
            number: normaliseNumber(body.number, owner.country, 'number'),
          };
        }
        const device = await store.devices.put(input);
        ctx.announce('device', device.id, 'created', owner.id);
        return reply.code(201).send(toDeviceDto(device));
      },
    );

    app.patch(
      '/api/users/:userId/devices/:deviceId',
      {
        schema: {
          tags: [TAGS.devices],
          summary: 'Change a device',
          params: DeviceParams,
          body: UpdateDeviceRequest,
          response: { 200: DeviceDto, ...signedInErrors, ...errorResponses(404, 409) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const current = await store.devices.get(owner.id, request.params.deviceId);
        if (!current) throw notFound(`Device ${request.params.deviceId}`);
        const body = request.body;
        let input: DeviceInput;
        if (current.kind === 'sip') {
          if (body.number !== undefined) {
            throw invalidField('number', 'applies to external devices, not SIP phones');
          }
          if (body.sipUsername !== undefined) {
            await checkSipUsernameFree(body.sipUsername, owner.id, current.id);
          }
          input = {
            kind: 'sip',
            id: current.id,
            userId: owner.id,
            name: body.name ?? current.name,
            sipUsername: body.sipUsername ?? current.sipUsername,
            sipPassword: body.sipPassword ?? current.sipPassword,
          };
        } else {
          for (const field of ['sipUsername', 'sipPassword'] as const) {
            if (body[field] !== undefined) {
              throw invalidField(field, 'applies to SIP phones, not external devices');
            }
          }
          input = {
            kind: 'external',
            id: current.id,
            userId: owner.id,
            name: body.name ?? current.name,
            number:
              body.number === undefined
                ? current.number
                : normaliseNumber(body.number, owner.country, 'number'),
          };
        }
        const device = await store.devices.put(input);
        ctx.announce('device', device.id, 'updated', owner.id);
        return toDeviceDto(device);
      },
    );

    app.delete(
      '/api/users/:userId/devices/:deviceId',
      {
        schema: {
          tags: [TAGS.devices],
          summary: 'Remove a device',
          params: DeviceParams,
          response: { 204: NoContent, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        if (!(await store.devices.delete(owner.id, request.params.deviceId))) {
          throw notFound(`Device ${request.params.deviceId}`);
        }
        ctx.announce('device', request.params.deviceId, 'deleted', owner.id);
        return reply.code(204).send(null);
      },
    );
  });
}
