import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ServerEvent } from '@switchboard/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AudioFormatError } from '../../ports/audio.js';
import { DataPathError } from '../../ports/data-files.js';
import type { MessageCounts } from '../../ports/message-waiting.js';
import type { DepositInput, GreetingQuery } from '../../ports/voicemail-box.js';
import { userInput } from '../../../test-support/fixtures.js';
import { dialects, useStore } from '../../../test-support/stores.js';
import {
  pcmOf,
  rms,
  startTestVoicemail,
  testWav,
  type TestVoicemail,
} from '../../../test-support/voicemail.js';
import { VoicemailNotFoundError } from './errors.js';

const DAY = 24 * 60 * 60_000;

describe.each(dialects)('voicemail service on %s', (dialect) => {
  const store = useStore(dialect);
  let vm: TestVoicemail;
  let events: ServerEvent[];
  let counts: [string, MessageCounts][];

  beforeEach(async () => {
    await store().users.put(userInput('alice', { name: 'Alice Example' }));
    await store().users.put(userInput('bob'));
    vm = await startTestVoicemail(store());
    events = [];
    vm.events.subscribeAll((event) => events.push(event));
    counts = [];
    vm.service.onCountsChanged((userId, c) => counts.push([userId, c]));
  });
  afterEach(async () => {
    await vm.close();
  });

  /** What the recorder would do: a WAV at the reserved path, then the hand-over. */
  async function leaveMessage(
    userId: string,
    overrides: Partial<DepositInput> = {},
    seconds = 2,
  ): Promise<{ id: string; path: string; wav: Buffer }> {
    const reserved = await vm.service.reserve(userId);
    const wav = testWav({ sampleRate: 8000, seconds, frequency: 700 });
    await writeFile(join(vm.dataDir, reserved.relativePath), wav);
    await vm.service.deposit({
      voicemailId: reserved.voicemailId,
      userId,
      callId: null,
      callerNumber: '+4930123456',
      callerName: 'Bob Caller',
      contactId: null,
      handlingCode: 'VIP',
      durationMs: seconds * 1000,
      ...overrides,
    });
    return { id: reserved.voicemailId, path: reserved.relativePath, wav };
  }

  /** Lets the service's after-deposit work (counts, events) run. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('reserves a file under voicemail/<user>/ with its folder made, nothing written yet', async () => {
    const reserved = await vm.service.reserve('alice');
    expect(reserved.relativePath).toBe(`voicemail/alice/${reserved.voicemailId}.wav`);
    const absolute = join(vm.dataDir, reserved.relativePath);
    expect(existsSync(dirname(absolute))).toBe(true);
    expect(existsSync(absolute)).toBe(false);
    const other = await vm.service.reserve('alice');
    expect(other.voicemailId).not.toBe(reserved.voicemailId);
  });

  it('refuses user ids that would leave the voicemail folder', async () => {
    for (const bad of ['../alice', 'a/b', '..', '/etc', 'alice\0x']) {
      await expect(vm.service.reserve(bad), bad).rejects.toBeInstanceOf(DataPathError);
    }
    expect(existsSync(join(vm.dataDir, '..', 'alice'))).toBe(false);
  });

  it('stores a deposit, then publishes it and tells the counts listeners', async () => {
    const { id, path } = await leaveMessage('alice');
    const stored = await store().voicemails.get(id);
    expect(stored).toMatchObject({
      id,
      userId: 'alice',
      path,
      callerNumber: '+4930123456',
      callerName: 'Bob Caller',
      handlingCode: 'VIP',
      durationMs: 2000,
      heard: false,
      heardAt: null,
      // No SMTP server configured: not mailed, and said so.
      mailStatus: 'disabled',
    });
    await settle();
    expect(events.filter((e) => e.type === 'voicemail.new')).toEqual([
      expect.objectContaining({
        userId: 'alice',
        voicemail: expect.objectContaining({
          id,
          callerName: 'Bob Caller',
          audioUrl: `/api/users/alice/voicemails/${id}/audio`,
        }) as unknown,
        counts: { new: 1, heard: 0 },
      }),
    ]);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'entity.changed',
        entity: 'voicemail',
        id,
        action: 'created',
      }),
    );
    expect(counts).toEqual([['alice', { newMessages: 1, oldMessages: 0 }]]);
  });

  it('refuses a deposit whose recording is missing, and stores nothing', async () => {
    const reserved = await vm.service.reserve('alice');
    await expect(
      vm.service.deposit({
        voicemailId: reserved.voicemailId,
        userId: 'alice',
        callId: null,
        callerNumber: null,
        callerName: null,
        contactId: null,
        handlingCode: null,
        durationMs: 1000,
      }),
    ).rejects.toBeInstanceOf(VoicemailNotFoundError);
    expect(await store().voicemails.listByUser('alice')).toEqual([]);
  });

  it('discards a reserved recording, and nothing else', async () => {
    const reserved = await vm.service.reserve('alice');
    const absolute = join(vm.dataDir, reserved.relativePath);
    await writeFile(absolute, testWav({ sampleRate: 8000, seconds: 0.3 }));
    await vm.service.discard(reserved);
    expect(existsSync(absolute)).toBe(false);

    // A path the service did not make for that id is refused, and the file stays.
    const outside = join(vm.dataDir, 'keep.wav');
    await writeFile(outside, 'keep');
    await expect(
      vm.service.discard({ voicemailId: 'x', relativePath: 'keep.wav' }),
    ).rejects.toBeInstanceOf(VoicemailNotFoundError);
    await expect(
      vm.service.discard({ voicemailId: 'x', relativePath: 'voicemail/../keep.wav' }),
    ).rejects.toBeInstanceOf(VoicemailNotFoundError);
    expect(await readFile(outside, 'utf8')).toBe('keep');
  });

  it('lists newest first with filters, marks heard, deletes with the file', async () => {
    const first = await leaveMessage('alice', { callerNumber: '+4930111' });
    vm.timers.advance(1000);
    const second = await leaveMessage('alice', { callerNumber: null, callerName: null });
    vm.timers.advance(1000);
    const third = await leaveMessage('alice', { callerNumber: '+4930111' });
    await leaveMessage('bob');
    await settle();
    const ids = async (filter = {}) =>
      (await vm.service.list('alice', filter)).map((voicemail) => voicemail.id);
    expect(await ids()).toEqual([third.id, second.id, first.id]);
    expect(await ids({ callerNumber: '+4930111' })).toEqual([third.id, first.id]);
    expect(await ids({ callerNumber: null })).toEqual([second.id]);
    expect(await ids({ limit: 1 })).toEqual([third.id]);

    counts = [];
    events = [];
    vm.timers.advance(5000);
    const heard = await vm.service.setHeard('alice', first.id, true);
    expect(heard).toMatchObject({ heard: true, heardAt: vm.timers.now() });
    expect(await ids({ heard: true })).toEqual([first.id]);
    expect(await ids({ heard: false })).toEqual([third.id, second.id]);
    expect(await vm.service.counts('alice')).toEqual({ newMessages: 2, oldMessages: 1 });
    expect(counts).toEqual([['alice', { newMessages: 2, oldMessages: 1 }]]);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'voicemail.updated',
        voicemail: expect.objectContaining({ id: first.id, heard: true }) as unknown,
        counts: { new: 2, heard: 1 },
      }),
    );
    // Unheard again: heardAt cleared.
    expect(await vm.service.setHeard('alice', first.id, false)).toMatchObject({
      heard: false,
      heardAt: null,
    });

    // Another user's message is "not found", like a missing one.
    await expect(vm.service.setHeard('bob', first.id, true)).rejects.toBeInstanceOf(
      VoicemailNotFoundError,
    );
    await expect(vm.service.delete('bob', first.id)).rejects.toBeInstanceOf(VoicemailNotFoundError);

    counts = [];
    await vm.service.delete('alice', first.id);
    expect(await store().voicemails.get(first.id)).toBeUndefined();
    expect(existsSync(join(vm.dataDir, first.path))).toBe(false);
    expect(counts).toEqual([['alice', { newMessages: 2, oldMessages: 0 }]]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'voicemail.deleted', voicemailId: first.id }),
    );
    await expect(vm.service.recording('alice', first.id)).rejects.toBeInstanceOf(
      VoicemailNotFoundError,
    );
  });

  it('serves the recording bytes, whole or a range', async () => {
    const { id, wav } = await leaveMessage('alice');
    const file = await vm.service.recording('alice', id);
    expect(file.size).toBe(wav.length);
    const read = async (range?: { start: number; end: number }) => {
      const chunks: Buffer[] = [];
      for await (const chunk of await file.open(range)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    expect((await read()).equals(wav)).toBe(true);
    expect((await read({ start: 10, end: 19 })).equals(wav.subarray(10, 20))).toBe(true);
  });

  it('never touches a file outside the data directory, whatever a stored path says', async () => {
    const outside = join(dirname(vm.dataDir), `outside-${String(Date.now())}.wav`);
    await writeFile(outside, 'not yours');
    try {
      await store().voicemails.insert({
        id: 'tampered',
        userId: 'alice',
        callId: null,
        callerNumber: null,
        contactId: null,
        path: `../${outside.slice(dirname(vm.dataDir).length + 1)}`,
        durationMs: 1000,
        heard: true,
        mailStatus: 'disabled',
        createdAt: vm.timers.now(),
      });
      await expect(vm.service.recording('alice', 'tampered')).rejects.toBeInstanceOf(DataPathError);
      await vm.service.delete('alice', 'tampered');
      expect(await store().voicemails.get('tampered')).toBeUndefined();
      expect(await readFile(outside, 'utf8')).toBe('not yours');
    } finally {
      await import('node:fs/promises').then((fs) => fs.rm(outside, { force: true }));
    }
  });

  describe('greetings', () => {
    const query: GreetingQuery = {
      userId: 'alice',
      contactId: null,
      handlingCode: null,
      reason: 'unavailable',
    };

    it('falls back to a built-in greeting saying the user’s name', async () => {
      expect(await vm.service.greetingFor(query)).toEqual([
        {
          kind: 'tts',
          text: 'You have reached Alice Example. Please leave a message after the tone.',
        },
      ]);
      expect(await vm.service.greetingFor({ ...query, reason: 'busy' })).toEqual([
        {
          kind: 'tts',
          text: 'Alice Example is on another call. Please leave a message after the tone.',
        },
      ]);
    });

    it('picks the most specific greeting: contact, code, variant, default', async () => {
      await store().handlingCodes.put({
        userId: 'alice',
        code: 'VIP',
        method: 'builtin:ring-all',
        description: null,
      });
      await store().contacts.put({
        id: 'carol',
        userId: 'alice',
        source: 'api',
        externalId: null,
        name: 'Carol',
        organization: null,
        emails: [],
        phones: [],
        handlingCode: 'VIP',
      });
      const g = vm.service.greetings;
      await g.setText('alice', { slot: 'default' }, 'Default greeting.');
      await g.setText('alice', { slot: 'busy' }, 'Busy greeting.', 'en-gb');
      await g.setText('alice', { slot: 'code', code: 'vip' }, 'VIP greeting.');
      await g.setAudio(
        'alice',
        { slot: 'contact', contactId: 'carol' },
        testWav({ sampleRate: 8000, seconds: 1 }),
      );

      const texts = async (q: Partial<GreetingQuery>) =>
        await vm.service.greetingFor({ ...query, ...q });
      expect(await texts({})).toEqual([{ kind: 'tts', text: 'Default greeting.' }]);
      expect(await texts({ reason: 'busy' })).toEqual([
        { kind: 'tts', text: 'Busy greeting.', voice: 'en-gb' },
      ]);
      expect(await texts({ handlingCode: 'VIP', reason: 'busy' })).toEqual([
        { kind: 'tts', text: 'VIP greeting.' },
      ]);
      const contact = await texts({ contactId: 'carol', handlingCode: 'VIP' });
      expect(contact).toEqual([
        { kind: 'file', file: expect.stringMatching(/^greetings\/alice\/[^/]+\.wav$/) as unknown },
      ]);

      // The contact's file went missing: the next one (the code's) is played instead.
      const [first] = contact;
      if (first?.kind !== 'file') throw new Error('expected a file prompt');
      await vm.files.remove(first.file);
      expect(await texts({ contactId: 'carol', handlingCode: 'VIP' })).toEqual([
        { kind: 'tts', text: 'VIP greeting.' },
      ]);
    });

    it('converts an uploaded WAV to 8 kHz mono, replaces and deletes with the file', async () => {
      const g = vm.service.greetings;
      const upload = testWav({ sampleRate: 44_100, channels: 2, seconds: 1.5, frequency: 440 });
      const first = await g.setAudio('alice', { slot: 'default' }, upload);
      expect(first).toMatchObject({ kind: 'audio', slot: 'default', ref: '', text: null });
      expect(first.durationMs).toBe(1500);
      const path = first.path ?? '';
      const stored = await readFile(join(vm.dataDir, path));
      expect(stored.readUInt16LE(22)).toBe(1); // mono
      expect(stored.readUInt32LE(24)).toBe(8000);
      expect(stored.readUInt16LE(34)).toBe(16);
      const pcm = pcmOf(stored);
      expect(pcm.length).toBe(12_000);
      // A 0.5-peak sine has an RMS of about 0.35 of full scale; the resampler keeps it.
      expect(rms(pcm) / 32767).toBeGreaterThan(0.3);

      // 8-bit and float files are read too; replacing removes the old file.
      const second = await g.setAudio(
        'alice',
        { slot: 'default' },
        testWav({ sampleRate: 16_000, format: 8, seconds: 0.5 }),
      );
      expect(second.path).not.toBe(path);
      expect(existsSync(join(vm.dataDir, path))).toBe(false);
      const third = await g.setAudio(
        'alice',
        { slot: 'default' },
        testWav({ sampleRate: 22_050, format: 'float', seconds: 0.5 }),
      );
      expect(third.durationMs).toBe(500);
      expect((await g.list('alice')).map((x) => x.slot)).toEqual(['default']);

      expect(await g.delete('alice', { slot: 'default' })).toBe(true);
      expect(existsSync(join(vm.dataDir, third.path ?? ''))).toBe(false);
      expect(await g.delete('alice', { slot: 'default' })).toBe(false);
    });

    it('refuses what is not a WAV, a broken WAV, and codes or contacts the user lacks', async () => {
      const g = vm.service.greetings;
      const mp3 = Buffer.concat([Buffer.from('ID3'), Buffer.alloc(100)]);
      const notWav = await g.setAudio('alice', { slot: 'default' }, mp3).catch((e: unknown) => e);
      expect(notWav).toBeInstanceOf(AudioFormatError);
      expect(notWav).toMatchObject({
        notWav: true,
        message: expect.stringContaining('MP3') as unknown,
      });

      const broken = Buffer.from(testWav({ sampleRate: 8000, seconds: 0.2 }));
      broken.write('junk', 12, 'latin1'); // the fmt chunk is gone
      const bad = await g.setAudio('alice', { slot: 'default' }, broken).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(AudioFormatError);
      expect(bad).toMatchObject({ notWav: false });

      await expect(
        g.setText('alice', { slot: 'code', code: 'NOPE' }, 'Hello'),
      ).rejects.toBeInstanceOf(VoicemailNotFoundError);
      await store().contacts.put({
        id: 'bobs-contact',
        userId: 'bob',
        source: 'api',
        externalId: null,
        name: 'Dave',
        organization: null,
        emails: [],
        phones: [],
        handlingCode: null,
      });
      await expect(
        g.setText('alice', { slot: 'contact', contactId: 'bobs-contact' }, 'Hello'),
      ).rejects.toBeInstanceOf(VoicemailNotFoundError);
      expect(await g.list('alice')).toEqual([]);
      // Nothing was written for the refused uploads.
      expect(existsSync(join(vm.dataDir, 'greetings', 'alice'))).toBe(false);
    });
  });

  describe('retention', () => {
    it('deletes heard messages past the retention period, with their files', async () => {
      await vm.close();
      vm = await startTestVoicemail(store(), { retentionDays: 30 });
      const old = await leaveMessage('alice');
      const recent = await leaveMessage('alice');
      const unheard = await leaveMessage('alice');
      await vm.service.setHeard('alice', old.id, true);
      vm.timers.advance(2 * DAY);
      await vm.service.setHeard('alice', recent.id, true);
      vm.timers.advance(29 * DAY); // old: heard 31 days ago; recent: 29 days ago

      expect(await vm.service.applyRetention()).toBe(1);
      expect(await store().voicemails.get(old.id)).toBeUndefined();
      expect(existsSync(join(vm.dataDir, old.path))).toBe(false);
      expect(await store().voicemails.get(recent.id)).toBeDefined();
      expect(await store().voicemails.get(unheard.id)).toBeDefined();
      expect(existsSync(join(vm.dataDir, unheard.path))).toBe(true);
    });

    it('runs periodically once started, and not at all with 0 days', async () => {
      await vm.close();
      vm = await startTestVoicemail(store(), { retentionDays: 1 });
      const message = await leaveMessage('alice');
      await vm.service.setHeard('alice', message.id, true);
      await vm.service.start();
      // The first run (a minute after start) finds the message heard too recently...
      vm.timers.advance(60_000);
      await settle();
      expect(await store().voicemails.get(message.id)).toBeDefined();
      // ...the hourly runs after it delete it once a day has passed since it was heard.
      for (let hour = 0; hour < 25; hour += 1) {
        vm.timers.advance(60 * 60_000);
        await settle();
      }
      expect(await store().voicemails.get(message.id)).toBeUndefined();

      await vm.close();
      vm = await startTestVoicemail(store(), { retentionDays: 0 });
      const kept = await leaveMessage('alice');
      await vm.service.setHeard('alice', kept.id, true);
      await vm.service.start();
      expect(vm.timers.size).toBe(0);
      vm.timers.advance(400 * DAY);
      expect(await vm.service.applyRetention()).toBe(0);
      expect(await store().voicemails.get(kept.id)).toBeDefined();
    });
  });
});

describe('voicemail service mkdir', () => {
  it('is fine with a data directory that already has the folders', async () => {
    const { withStore } = await import('../../../test-support/stores.js');
    await withStore('sqlite', async (store, testStore) => {
      await store.users.put(userInput('alice'));
      await mkdir(join(testStore.dataDir, 'voicemail', 'alice'), { recursive: true });
      const vm = await startTestVoicemail(store, { dataDir: testStore.dataDir });
      try {
        const reserved = await vm.service.reserve('alice');
        expect(reserved.relativePath.startsWith('voicemail/alice/')).toBe(true);
      } finally {
        await vm.close();
      }
    });
  });
});
