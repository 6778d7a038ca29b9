import { describe, expect, it } from 'vitest';
import { DtmfError, eventsOfDigits } from './events.js';
import { parseSipInfoDtmf } from './sip-info.js';
import { TelephoneEventDecoder } from './telephone-event-decoder.js';
import { TelephoneEventSender } from './telephone-event-sender.js';

/** An RFC 4733 §2.3 payload. */
function event(code: number, end: boolean, duration: number, volume = 10): Uint8Array {
  return Uint8Array.from([code, (end ? 0x80 : 0) | volume, duration >> 8, duration & 0xff]);
}

function decoder(endTimeoutMs = 400) {
  const digits: [string, number][] = [];
  const starts: string[] = [];
  const decode = new TelephoneEventDecoder(
    {
      onDigit: (digit, durationMs) => digits.push([digit, durationMs]),
      onStart: (digit) => starts.push(digit),
    },
    endTimeoutMs,
  );
  const feed = (payload: Uint8Array, timestamp: number, now: number) => {
    decode.handle(payload, 0, payload.length, timestamp, now);
  };
  return { decode, digits, starts, feed };
}

describe('TelephoneEventDecoder (RFC 4733 §2.5.2)', () => {
  it('reports a press once, at its end, despite the three end packets', () => {
    const { digits, starts, feed } = decoder();
    feed(event(5, false, 160), 1000, 0);
    feed(event(5, false, 320), 1000, 20);
    feed(event(5, false, 480), 1000, 40);
    feed(event(5, true, 800), 1000, 60);
    feed(event(5, true, 800), 1000, 80);
    feed(event(5, true, 800), 1000, 100);
    expect(starts).toEqual(['5']);
    expect(digits).toEqual([['5', 100]]);
  });

  it('drops a retransmitted start and late end packets of an earlier press', () => {
    const { digits, feed } = decoder();
    feed(event(1, false, 160), 1000, 0);
    feed(event(1, false, 160), 1000, 1); // duplicate start
    feed(event(1, true, 640), 1000, 60);
    feed(event(2, false, 160), 3000, 200);
    feed(event(1, true, 640), 1000, 210); // late retransmission of the first press's end
    feed(event(2, true, 400), 3000, 260);
    expect(digits).toEqual([
      ['1', 80],
      ['2', 50],
    ]);
  });

  it('ends a press whose end packets were all lost: at the next press, or on timeout', () => {
    const { decode, digits, feed } = decoder(400);
    feed(event(11, false, 160), 1000, 0);
    feed(event(11, false, 480), 1000, 40);
    // All end packets lost; the next press (new timestamp) ends it.
    feed(event(10, false, 160), 5000, 300);
    expect(digits).toEqual([['#', 60]]);
    // The * press loses its ends too, and nothing follows: the timeout ends it.
    feed(event(10, false, 320), 5000, 320);
    decode.poll(700);
    expect(digits).toHaveLength(1);
    decode.poll(721);
    expect(digits).toEqual([
      ['#', 60],
      ['*', 40],
    ]);
    decode.poll(2000); // reported once
    expect(digits).toHaveLength(2);
  });

  it('reports a press whose only surviving packet is an end packet', () => {
    const { digits, feed } = decoder();
    feed(event(15, true, 960), 7000, 0);
    feed(event(15, true, 960), 7000, 20);
    expect(digits).toEqual([['D', 120]]);
  });

  it('ignores non-digit events (flash) and counts short payloads', () => {
    const { decode, digits, starts, feed } = decoder();
    feed(event(16, false, 160), 100, 0);
    feed(event(16, true, 800), 100, 100);
    expect(digits).toEqual([]);
    expect(starts).toEqual([]);
    decode.handle(new Uint8Array(3), 0, 3, 200, 0);
    expect(decode.malformed).toBe(1);
  });
});

describe('TelephoneEventSender (RFC 4733 §2.5.1)', () => {
  /** Runs ticks until idle, collecting [marker, timestamp, event, end, duration] per packet. */
  function drain(sender: TelephoneEventSender, startTimestamp: number) {
    const packets: {
      tick: number;
      marker: boolean;
      timestamp: number;
      event: number;
      end: boolean;
      duration: number;
      volume: number;
    }[] = [];
    let timestamp = startTimestamp;
    for (let tick = 0; tick < 500 && sender.busy; tick += 1) {
      if (sender.tick(timestamp)) {
        const p = sender.payload;
        packets.push({
          tick,
          marker: sender.marker,
          timestamp: sender.timestamp,
          event: p[0]!,
          end: (p[1]! & 0x80) !== 0,
          volume: p[1]! & 0x3f,
          duration: (p[2]! << 8) | p[3]!,
        });
      }
      timestamp += 160;
    }
    return packets;
  }

  it('sends start with marker, 20 ms updates, and three end packets with one timestamp', async () => {
    const sender = new TelephoneEventSender(80);
    const done = sender.enqueue('7', 100);
    const packets = drain(sender, 50_000);
    await expect(done).resolves.toBeUndefined();
    expect(packets.map((p) => [p.tick, p.marker, p.event, p.end, p.duration])).toEqual([
      [0, true, 7, false, 160],
      [1, false, 7, false, 320],
      [2, false, 7, false, 480],
      [3, false, 7, false, 640],
      [4, false, 7, true, 800],
      [5, false, 7, true, 800],
      [6, false, 7, true, 800],
    ]);
    expect(new Set(packets.map((p) => p.timestamp))).toEqual(new Set([50_000]));
    expect(packets.every((p) => p.volume === 10)).toBe(true);
  });

  it('spaces the digits of a string and gives each press its own timestamp', async () => {
    const sender = new TelephoneEventSender(80);
    const done = sender.enqueue('1#', 60);
    const packets = drain(sender, 0);
    await done;
    const first = packets.filter((p) => p.event === 1);
    const second = packets.filter((p) => p.event === 11);
    expect(first.map((p) => p.duration)).toEqual([160, 320, 480, 480, 480]);
    expect(second[0]).toMatchObject({ marker: true, end: false });
    // Last end packet of "1" at tick 4; the pause is 80 ms from the first end packet (tick 2).
    expect(second[0]!.tick).toBe(first.at(-1)!.tick + 3);
    expect(second[0]!.timestamp).toBe(second[0]!.tick * 160);
    expect(second[0]!.timestamp).not.toBe(first[0]!.timestamp);
  });

  it('rejects non-digits with a DtmfError naming them, and cancels queued work', async () => {
    const sender = new TelephoneEventSender();
    await expect(sender.enqueue('12x')).rejects.toThrow(DtmfError);
    await expect(sender.enqueue('12x')).rejects.toThrow(/"x"/);
    await expect(sender.enqueue('')).resolves.toBeUndefined();
    const pending = sender.enqueue('123');
    sender.tick(0);
    sender.cancel(new DtmfError('stopped'));
    await expect(pending).rejects.toThrow('stopped');
    expect(sender.busy).toBe(false);
    expect(eventsOfDigits('0123456789*#abcd')).toEqual([...Array(16).keys()]);
  });

  it('round-trips through the decoder', async () => {
    const sender = new TelephoneEventSender();
    const done = sender.enqueue('159#', 120);
    const { digits, feed } = decoder();
    let timestamp = 0;
    for (let tick = 0; sender.busy; tick += 1) {
      if (sender.tick(timestamp)) feed(sender.payload.slice(), sender.timestamp, tick * 20);
      timestamp += 160;
    }
    await done;
    expect(digits).toEqual([
      ['1', 120],
      ['5', 120],
      ['9', 120],
      ['#', 120],
    ]);
  });
});

describe('parseSipInfoDtmf', () => {
  it('reads application/dtmf-relay and application/dtmf bodies', () => {
    expect(parseSipInfoDtmf('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n')).toEqual({
      digit: '5',
      durationMs: 160,
      via: 'sip-info',
    });
    expect(
      parseSipInfoDtmf('Application/DTMF-Relay; charset=x', 'signal = #\nduration= 250'),
    ).toEqual({
      digit: '#',
      durationMs: 250,
      via: 'sip-info',
    });
    expect(parseSipInfoDtmf('application/dtmf-relay', 'Signal=10\r\n')?.digit).toBe('*');
    expect(parseSipInfoDtmf('application/dtmf-relay', 'Signal=b')?.digit).toBe('B');
    expect(parseSipInfoDtmf('application/dtmf', '11')).toEqual({
      digit: '#',
      durationMs: 0,
      via: 'sip-info',
    });
  });

  it('returns undefined for other types and bodies without a digit', () => {
    expect(parseSipInfoDtmf('application/sdp', 'Signal=5')).toBeUndefined();
    expect(parseSipInfoDtmf('application/dtmf-relay', 'Duration=160')).toBeUndefined();
    expect(parseSipInfoDtmf('application/dtmf-relay', 'Signal=x')).toBeUndefined();
    expect(parseSipInfoDtmf('application/dtmf-relay', 'Signal=99')).toBeUndefined();
    expect(parseSipInfoDtmf('application/dtmf', 'Signal=5'.repeat(200))).toBeUndefined();
  });
});
