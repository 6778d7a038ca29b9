/**
 * The inbox and greetings API over the real voicemail service: lists with filters and counts,
 * the recording with HTTP range requests (200, 206, 416, If-Range, HEAD), mark heard, delete
 * with the file, greeting uploads in several WAV formats and refusals of what is not one, and
 * the `voicemail.*` events on a real WebSocket.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServerEvent } from '@switchboard/contracts';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EventBus } from '../domain/services/event-bus.js';
import { hashPassword } from '../domain/services/passwords.js';
import { sessionCookie } from '../test-support/api-harness.js';
import { userInput } from '../test-support/fixtures.js';
import { openTestStore, type TestStore } from '../test-support/stores.js';
import { startTestVoicemail, testWav, type TestVoicemail } from '../test-support/voicemail.js';
import { buildApp } from './app.js';

const PASSWORD = 'voicemail-test-pass';
let passwordHash: Promise<string> | undefined;

interface Api {
  readonly app: FastifyInstance;
  readonly testStore: TestStore;
  readonly vm: TestVoicemail;
  readonly alice: string;
  readonly bob: string;
  readonly admin: string;
}

async function startApi(withService = true): Promise<Api> {
  passwordHash ??= hashPassword(PASSWORD);
  const testStore = await openTestStore('sqlite');
  const { store } = testStore;
  for (const [id, role] of [
    ['alice', 'user'],
    ['bob', 'user'],
    ['admin', 'admin'],
  ] as const) {
    await store.users.put(
      userInput(id, { passwordHash: await passwordHash, role, country: 'US', timezone: 'UTC' }),
    );
  }
  const events = new EventBus();
  const vm = await startTestVoicemail(store, { events, dataDir: testStore.dataDir });
  const app = await buildApp({
    store,
    events,
    clock: vm.timers,
    logger: pino({ level: 'silent' }),
    metrics: new Registry(),
    version: '9.9.9-test',
    ...(withService ? { voicemail: vm.service } : {}),
  });
  const login = async (email: string) =>
    sessionCookie(
      await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email, password: PASSWORD },
      }),
    );
  return {
    app,
    testStore,
    vm,
    alice: await login('alice@example.test'),
    bob: await login('bob@example.test'),
    admin: await login('admin@example.test'),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function api(withService = true): Promise<Api> {
  const started = await startApi(withService);
  cleanups.push(async () => {
    await started.app.close();
    await started.vm.close();
    await started.testStore.close();
  });
  return started;
}

/** A message as the telephony side leaves it. */
async function leave(
  a: Api,
  userId: string,
  callerNumber: string | null,
  seconds = 1,
): Promise<{ id: string; wav: Buffer }> {
  const reserved = await a.vm.service.reserve(userId);
  const wav = testWav({ sampleRate: 8000, seconds, frequency: 600 });
  await writeFile(join(a.testStore.dataDir, reserved.relativePath), wav);
  await a.vm.service.deposit({
    voicemailId: reserved.voicemailId,
    userId,
    callId: null,
    callerNumber,
    callerName: null,
    contactId: null,
    handlingCode: null,
    durationMs: seconds * 1000,
  });
  a.vm.timers.advance(1000);
  return { id: reserved.voicemailId, wav };
}

describe('voicemail inbox API', () => {
  let a: Api;
  beforeEach(async () => {
    a = await api();
  });

  const get = (url: string, cookie: string, headers: Record<string, string> = {}) =>
    a.app.inject({ method: 'GET', url, headers: { cookie, ...headers } });

  it('lists with counts, filters by new/heard and by caller', async () => {
    const one = await leave(a, 'alice', '+12025550142');
    const two = await leave(a, 'alice', null);
    const three = await leave(a, 'alice', '+12025550142');
    await leave(a, 'bob', '+12025550142');
    await a.vm.service.setHeard('alice', one.id, true);

    const list = async (query = '') => {
      const response = await get(`/api/users/me/voicemails${query}`, a.alice);
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ items: { id: string }[]; counts: unknown }>();
    };
    const all = await list();
    expect(all.items.map((item) => item.id)).toEqual([three.id, two.id, one.id]);
    expect(all.counts).toEqual({ new: 2, heard: 1 });
    expect((await list('?status=new')).items.map((item) => item.id)).toEqual([three.id, two.id]);
    expect((await list('?status=heard')).items.map((item) => item.id)).toEqual([one.id]);
    // Any common format, read in the user's country (US).
    expect((await list('?caller=(202)%20555-0142')).items.map((item) => item.id)).toEqual([
      three.id,
      one.id,
    ]);
    expect((await list('?caller=anonymous')).items.map((item) => item.id)).toEqual([two.id]);
    const bad = await get('/api/users/me/voicemails?caller=hello', a.alice);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      error: { message: expect.stringContaining('query.caller') as unknown },
    });

    const item = await get(`/api/users/me/voicemails/${one.id}`, a.alice);
    expect(item.json()).toMatchObject({
      id: one.id,
      heard: true,
      heardAt: expect.any(String) as unknown,
      mailStatus: 'disabled',
      audioUrl: `/api/users/alice/voicemails/${one.id}/audio`,
    });
    expect(item.body).not.toContain('.wav');
    expect((await get(`/api/users/me/voicemails/${one.id}`, a.bob)).statusCode).toBe(404);
    expect((await get(`/api/users/alice/voicemails/${one.id}`, a.admin)).statusCode).toBe(200);
  });

  it('streams the recording with range requests', async () => {
    const { id, wav } = await leave(a, 'alice', '+12025550142', 2);
    const url = `/api/users/me/voicemails/${id}/audio`;
    const size = wav.length;

    const full = await get(url, a.alice);
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toBe('audio/wav');
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(full.headers['content-length']).toBe(String(size));
    expect(full.headers['content-disposition']).toBe(`inline; filename="voicemail-${id}.wav"`);
    expect(full.rawPayload.equals(wav)).toBe(true);

    const check = (response: LightMyRequestResponse, start: number, end: number): void => {
      expect(response.statusCode, response.body).toBe(206);
      expect(response.headers['content-range']).toBe(
        `bytes ${String(start)}-${String(end)}/${String(size)}`,
      );
      expect(response.headers['content-length']).toBe(String(end - start + 1));
      expect(response.rawPayload.equals(wav.subarray(start, end + 1))).toBe(true);
    };
    check(await get(url, a.alice, { range: 'bytes=0-99' }), 0, 99);
    check(await get(url, a.alice, { range: 'bytes=44-' }), 44, size - 1);
    check(await get(url, a.alice, { range: 'bytes=-100' }), size - 100, size - 1);
    // An end past the file is cut to the file (RFC 9110 §14.1.2).
    check(await get(url, a.alice, { range: `bytes=100-${String(size + 5000)}` }), 100, size - 1);

    const past = await get(url, a.alice, { range: `bytes=${String(size)}-` });
    expect(past.statusCode).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${String(size)}`);
    expect(past.json()).toMatchObject({
      error: { message: expect.stringContaining('outside') as unknown },
    });

    // Several ranges, or a validator that does not match If-Range: the whole file.
    const several = await get(url, a.alice, { range: 'bytes=0-1,5-6' });
    expect(several.statusCode).toBe(200);
    expect(several.rawPayload.length).toBe(size);
    const etag = String(full.headers.etag);
    check(await get(url, a.alice, { range: 'bytes=0-9', 'if-range': etag }), 0, 9);
    const stale = await get(url, a.alice, { range: 'bytes=0-9', 'if-range': '"old"' });
    expect(stale.statusCode).toBe(200);

    const head = await a.app.inject({ method: 'HEAD', url, headers: { cookie: a.alice } });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(size));
    expect(head.rawPayload.length).toBe(0);

    const download = await get(`${url}?download=1`, a.alice);
    expect(download.headers['content-disposition']).toBe(
      `attachment; filename="voicemail-${id}.wav"`,
    );

    expect((await get(url, a.bob)).statusCode).toBe(404);
  });

  it('refuses ids that try to reach other files', async () => {
    await writeFile(join(a.testStore.dataDir, 'secret.txt'), 'TOP-SECRET-CONTENT');
    for (const id of ['..%2Fsecret.txt', '..%2F..%2Fetc%2Fpasswd', '%2E%2E', 'secret.txt']) {
      const response = await get(`/api/users/me/voicemails/${id}/audio`, a.alice);
      expect(response.statusCode, id).toBe(404);
      expect(response.body).not.toContain('TOP-SECRET');
      expect(response.body).not.toContain('root:');
    }
    // A row whose stored path leads out of the data directory is never served or deleted.
    await a.testStore.store.voicemails.insert({
      id: 'tampered',
      userId: 'alice',
      callId: null,
      callerNumber: null,
      contactId: null,
      path: '../secret.txt',
      durationMs: 1,
      heard: false,
      mailStatus: 'disabled',
      createdAt: 0,
    });
    const tampered = await get('/api/users/me/voicemails/tampered/audio', a.alice);
    expect(tampered.statusCode).toBe(404);
    expect(tampered.body).not.toContain('TOP-SECRET');
    const removed = await a.app.inject({
      method: 'DELETE',
      url: '/api/users/me/voicemails/tampered',
      headers: { cookie: a.alice },
    });
    expect(removed.statusCode).toBe(204);
    expect(existsSync(join(a.testStore.dataDir, 'secret.txt'))).toBe(true);
  });

  it('marks heard, deletes with the recording, and tells live clients', async () => {
    const address = await a.app.listen({ host: '127.0.0.1', port: 0 });
    const token = (
      await a.app.inject({
        method: 'POST',
        url: '/api/tokens',
        headers: { cookie: a.alice },
        payload: { name: 'ws' },
      })
    ).json<{ token: string }>().token;
    const received: ServerEvent[] = [];
    const socket = new WebSocket(`${address.replace(/^http/, 'ws')}/api/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    cleanups.push(async () => {
      socket.terminate();
      await Promise.resolve();
    });
    socket.on('message', (data: WebSocket.RawData) => {
      received.push(ServerEvent.parse(JSON.parse(Buffer.from(data as Buffer).toString('utf8'))));
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const waitFor = async (type: ServerEvent['type']) => {
      for (let i = 0; i < 300; i += 1) {
        const event = received.find((e) => e.type === type);
        if (event) return event;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`no ${type} event; got ${JSON.stringify(received.map((e) => e.type))}`);
    };

    const { id } = await leave(a, 'alice', '+12025550142');
    expect(await waitFor('voicemail.new')).toMatchObject({
      voicemail: { id, heard: false },
      counts: { new: 1, heard: 0 },
    });

    const patched = await a.app.inject({
      method: 'PATCH',
      url: `/api/users/me/voicemails/${id}`,
      headers: { cookie: a.alice },
      payload: { heard: true },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ heard: true });
    expect(await waitFor('voicemail.updated')).toMatchObject({
      voicemail: { id, heard: true },
      counts: { new: 0, heard: 1 },
    });

    const file = join(a.testStore.dataDir, 'voicemail', 'alice', `${id}.wav`);
    expect(existsSync(file)).toBe(true);
    const other = await a.app.inject({
      method: 'DELETE',
      url: `/api/users/me/voicemails/${id}`,
      headers: { cookie: a.bob },
    });
    expect(other.statusCode).toBe(404);
    const deleted = await a.app.inject({
      method: 'DELETE',
      url: `/api/users/me/voicemails/${id}`,
      headers: { cookie: a.alice },
    });
    expect(deleted.statusCode).toBe(204);
    expect(existsSync(file)).toBe(false);
    expect(await waitFor('voicemail.deleted')).toMatchObject({
      voicemailId: id,
      counts: { new: 0, heard: 0 },
    });
    expect((await get(`/api/users/me/voicemails/${id}/audio`, a.alice)).statusCode).toBe(404);
  });

  it('says clearly when there is no SMTP server to mail with', async () => {
    const { id } = await leave(a, 'alice', null);
    const response = await a.app.inject({
      method: 'POST',
      url: `/api/users/me/voicemails/${id}/mail`,
      headers: { cookie: a.alice },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      error: { code: 'unavailable', message: expect.stringContaining('smtp.host') as unknown },
    });
  });
});

describe('greetings API', () => {
  let a: Api;
  beforeEach(async () => {
    a = await api();
  });

  const put = (url: string, body: string | Buffer | object, contentType?: string) =>
    a.app.inject({
      method: 'PUT',
      url,
      headers: {
        cookie: a.alice,
        ...(contentType === undefined ? {} : { 'content-type': contentType }),
      },
      payload: body,
    });

  it('takes a WAV upload in any common format and serves it converted', async () => {
    const upload = testWav({ sampleRate: 48_000, channels: 2, seconds: 2, frequency: 440 });
    const response = await put('/api/users/me/greetings/default', upload, 'audio/wav');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      slot: 'default',
      ref: null,
      kind: 'audio',
      durationMs: 2000,
      audioUrl: '/api/users/alice/greetings/default/audio',
    });
    const audio = await a.app.inject({
      method: 'GET',
      url: '/api/users/me/greetings/default/audio',
      headers: { cookie: a.alice },
    });
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    const wav = audio.rawPayload;
    expect(wav.readUInt32LE(24)).toBe(8000);
    expect(wav.readUInt16LE(22)).toBe(1);
    expect(wav.length).toBe(44 + 2 * 16_000);
    const ranged = await a.app.inject({
      method: 'GET',
      url: '/api/users/me/greetings/default/audio',
      headers: { cookie: a.alice, range: 'bytes=0-43' },
    });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.rawPayload.equals(wav.subarray(0, 44))).toBe(true);

    // The same as a browser form's file.
    const boundary = 'XyZ123';
    const form = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="busy.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
      ),
      testWav({ sampleRate: 11_025, format: 8, seconds: 1 }),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const viaForm = await put(
      '/api/users/me/greetings/busy',
      form,
      `multipart/form-data; boundary=${boundary}`,
    );
    expect(viaForm.statusCode, viaForm.body).toBe(200);
    expect(viaForm.json()).toMatchObject({ slot: 'busy', kind: 'audio', durationMs: 1000 });
  });

  it('refuses what is not a WAV with a clear 415, a broken WAV with 400', async () => {
    const mpeg = await put('/api/users/me/greetings/default', Buffer.from('ID3...'), 'audio/mpeg');
    expect(mpeg.statusCode).toBe(415);
    expect(mpeg.json()).toMatchObject({
      error: {
        code: 'unsupported_media_type',
        message: expect.stringMatching(/WAV file .*audio\/mpeg is not accepted/) as unknown,
      },
    });
    const disguised = await put(
      '/api/users/me/greetings/default',
      Buffer.concat([Buffer.from('ID3'), Buffer.alloc(64)]),
      'audio/wav',
    );
    expect(disguised.statusCode).toBe(415);
    expect(disguised.json()).toMatchObject({
      error: { message: expect.stringContaining('MP3 file, not a WAV file') as unknown },
    });
    const broken = Buffer.from(testWav({ sampleRate: 8000, seconds: 0.5 }));
    broken.writeUInt16LE(0, 22); // zero channels
    const bad = await put('/api/users/me/greetings/default', broken, 'audio/wav');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      error: { message: expect.stringContaining('cannot be read') as unknown },
    });
    const silence = await put(
      '/api/users/me/greetings/default',
      testWav({ sampleRate: 8000, seconds: 0.01 }),
      'audio/wav',
    );
    expect(silence.statusCode).toBe(400);
    const list = await a.app.inject({
      method: 'GET',
      url: '/api/users/me/greetings',
      headers: { cookie: a.alice },
    });
    expect(list.json()).toEqual({ items: [] });
  });

  it('sets text greetings per slot, code and contact; deletes them', async () => {
    const text = await put('/api/users/me/greetings/unavailable', {
      text: ' Back soon. ',
      voice: 'en-gb',
    });
    expect(text.statusCode, text.body).toBe(200);
    expect(text.json()).toMatchObject({
      slot: 'unavailable',
      kind: 'tts',
      text: 'Back soon.',
      voice: 'en-gb',
      audioUrl: null,
    });
    const empty = await put('/api/users/me/greetings/default', { text: '   ' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ error: { code: 'validation' } });
    expect((await put('/api/users/me/greetings/weekend', { text: 'x' })).statusCode).toBe(400);

    expect(
      (await put('/api/users/me/greetings/codes/vip', { text: 'Hello VIP.' })).statusCode,
    ).toBe(404);
    await a.testStore.store.handlingCodes.put({
      userId: 'alice',
      code: 'VIP',
      method: 'builtin:ring-all',
      description: null,
    });
    const code = await put('/api/users/me/greetings/codes/vip', { text: 'Hello VIP.' });
    expect(code.statusCode, code.body).toBe(200);
    expect(code.json()).toMatchObject({ slot: 'code', ref: 'VIP' });

    await a.testStore.store.contacts.put({
      id: 'carol',
      userId: 'alice',
      source: 'api',
      externalId: null,
      name: 'Carol',
      organization: null,
      emails: [],
      phones: [],
      handlingCode: null,
    });
    const contact = await put(
      '/api/users/me/greetings/contacts/carol',
      testWav({ sampleRate: 8000, seconds: 1 }),
      'audio/x-wav',
    );
    expect(contact.statusCode, contact.body).toBe(200);
    expect(contact.json()).toMatchObject({
      slot: 'contact',
      ref: 'carol',
      audioUrl: '/api/users/alice/greetings/contacts/carol/audio',
    });
    // Bob cannot set a greeting for Alice's contact, nor read Alice's.
    const bobs = await a.app.inject({
      method: 'PUT',
      url: '/api/users/me/greetings/contacts/carol',
      headers: { cookie: a.bob, 'content-type': 'application/json' },
      payload: { text: 'x' },
    });
    expect(bobs.statusCode).toBe(404);
    const forbidden = await a.app.inject({
      method: 'GET',
      url: '/api/users/alice/greetings',
      headers: { cookie: a.bob },
    });
    expect(forbidden.statusCode).toBe(403);

    const list = await a.app.inject({
      method: 'GET',
      url: '/api/users/me/greetings',
      headers: { cookie: a.alice },
    });
    expect(list.json<{ items: { slot: string }[] }>().items.map((g) => g.slot)).toEqual([
      'code',
      'contact',
      'unavailable',
    ]);
    // The greeting a VIP caller hears is the code's.
    expect(
      await a.vm.service.greetingFor({
        userId: 'alice',
        contactId: null,
        handlingCode: 'VIP',
        reason: 'unavailable',
      }),
    ).toEqual([{ kind: 'tts', text: 'Hello VIP.' }]);

    const removed = await a.app.inject({
      method: 'DELETE',
      url: '/api/users/me/greetings/contacts/carol',
      headers: { cookie: a.alice },
    });
    expect(removed.statusCode).toBe(204);
    expect(existsSync(join(a.testStore.dataDir, 'greetings', 'alice'))).toBe(true);
    const again = await a.app.inject({
      method: 'DELETE',
      url: '/api/users/me/greetings/contacts/carol',
      headers: { cookie: a.alice },
    });
    expect(again.statusCode).toBe(404);
    const textAudio = await a.app.inject({
      method: 'GET',
      url: '/api/users/me/greetings/unavailable/audio',
      headers: { cookie: a.alice },
    });
    expect(textAudio.statusCode).toBe(404);
  });
});

describe('voicemail API without the service', () => {
  it('lists from the store and answers 503 for recordings and greetings', async () => {
    const a = await api(false);
    const { id } = await leave(a, 'alice', null);
    const list = await a.app.inject({
      method: 'GET',
      url: '/api/users/me/voicemails',
      headers: { cookie: a.alice },
    });
    expect(list.json()).toMatchObject({ items: [{ id }], counts: { new: 1, heard: 0 } });
    for (const url of [`/api/users/me/voicemails/${id}/audio`, '/api/users/me/greetings']) {
      const response = await a.app.inject({ method: 'GET', url, headers: { cookie: a.alice } });
      expect(response.statusCode, url).toBe(503);
    }
  });
});
