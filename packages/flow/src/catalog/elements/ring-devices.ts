import { z } from 'zod';
import type { DeviceFacts } from '../../runtime/call-facts.js';
import { defineElement } from '../element.js';
import {
  RING_MARGIN_MS,
  RING_PINS,
  deviceIdSchema,
  ringOutcome,
  ringTimeoutSchema,
} from './telephony-config.js';

/** Most devices one ring reaches; also what the time limit of `all` in turn assumes. */
export const MAX_RING_DEVICES = 20;

const configSchema = z.strictObject({
  devices: z
    .union([
      z.literal('all'),
      z
        .array(deviceIdSchema)
        .min(1, 'list at least one device, or use "all"')
        .max(MAX_RING_DEVICES, `at most ${String(MAX_RING_DEVICES)} devices`)
        .refine((ids) => new Set(ids).size === ids.length, 'each device may be listed once'),
    ])
    .default('all')
    .describe(
      'Which of the user\'s devices to ring: "all", or device ids such as ["desk", "cell"] ' +
        '(in ringing order when one after the other).',
    )
    .meta({ title: 'Devices' }),
  mode: z
    .enum(['simultaneous', 'sequential'])
    .default('simultaneous')
    .describe('Ring every device at once, or one after the other in the listed order.')
    .meta({ title: 'Ring' }),
  timeoutSeconds: ringTimeoutSchema(
    20,
    'How long to ring: all devices together when at once, each device when one after the other.',
  ),
});

/**
 * Rings the user's own devices (their desk phone, softphone, mobile) and connects the first to
 * answer. The caller hears ringing meanwhile. A device id in the config the user no longer has
 * leaves by `failed` rather than silently ringing fewer phones.
 */
export const ringDevicesElement = defineElement({
  type: 'ring-devices',
  label: 'Ring devices',
  category: 'telephony',
  description: "Rings the user's devices, all at once or one after the other.",
  config: configSchema,
  pins: () => RING_PINS,
  // No precondition: after a menu has answered the caller, ringing the user is a transfer of
  // the answered call (the devices are bridged in the same way), not a mistake.
  preconditions: [],
  waits: true,
  maxDurationMs: (config) => {
    const steps =
      config.mode === 'simultaneous'
        ? 1
        : config.devices === 'all'
          ? MAX_RING_DEVICES
          : config.devices.length;
    return steps * config.timeoutSeconds * 1000 + RING_MARGIN_MS;
  },
  run: async ({ config, call, facts, signal }) => {
    const own = facts.user.devices;
    let devices: readonly DeviceFacts[];
    if (config.devices === 'all') {
      devices = own.slice(0, MAX_RING_DEVICES);
    } else {
      const unknown = config.devices.filter((id) => !own.some((d) => d.id === id));
      if (unknown.length > 0) {
        return {
          pin: 'failed',
          detail: {
            error: `${facts.user.id} has no device ${unknown.map((id) => `"${id}"`).join(', ')}`,
            known: own.map((d) => d.id),
          },
        };
      }
      devices = config.devices.flatMap((id) => own.filter((d) => d.id === id));
    }
    if (devices.length === 0) {
      return { pin: 'failed', detail: { error: `${facts.user.id} has no devices to ring` } };
    }
    const ids = devices.map((d) => d.id);
    if (!call.answered) await call.progress(signal);
    const result = await call.ring(
      {
        targets: devices.map((d) => ({ kind: 'device', userId: facts.user.id, deviceId: d.id })),
        mode: config.mode,
        timeoutSeconds: config.timeoutSeconds,
      },
      signal,
    );
    return ringOutcome(result, { devices: ids, mode: config.mode });
  },
});
