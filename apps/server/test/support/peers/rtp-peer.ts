/**
 * A phone's media end, owned by the test: a UDP socket that sends a known signal as PCMU RTP
 * every 20 ms and keeps what it receives, decoded. SIPp does the signalling of the "cell phone"
 * and puts this socket's port in its SDP; the test then knows exactly what the far end heard.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { FRAME, decodeG711, encodeUlaw } from './audio.js';
import { freePorts } from './ports.js';

export interface RtpAddress {
  readonly address: string;
  readonly port: number;
}

export class RtpPeer {
  private readonly received: Int16Array[] = [];
  private sender: NodeJS.Timeout | undefined;
  /** Audio packets (G.711) received, and packets of other payload types (DTMF, CN). */
  packets = 0;
  otherPackets = 0;
  sent = 0;
  /** Where the first packet came from. */
  source: RtpAddress | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (message, from) => {
      if (message.length < 12 || message[0] === undefined || (message[0] & 0xc0) !== 0x80) return;
      this.source ??= { address: from.address, port: from.port };
      const payloadType = (message[1] ?? 0) & 0x7f;
      if (payloadType !== 0 && payloadType !== 8) {
        this.otherPackets += 1;
        return;
      }
      const csrcs = (message[0] & 0x0f) * 4;
      this.packets += 1;
      this.received.push(decodeG711(message.subarray(12 + csrcs), payloadType));
    });
  }

  static async open(): Promise<RtpPeer> {
    const port = await freePorts(2, { even: true });
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RtpPeer(socket, port);
  }

  /** Starts sending `samples` (looped) to `remote`, one 20 ms PCMU packet per 20 ms. */
  send(remote: RtpAddress, samples: Int16Array): void {
    this.stopSending();
    const payload = encodeUlaw(samples);
    const frames = Math.max(1, Math.floor(payload.length / FRAME));
    const ssrc = randomInt(1, 0xffffffff);
    let sequence = randomInt(0, 0xffff);
    let timestamp = randomInt(0, 0xffffffff);
    const started = performance.now();
    let next = 0;
    const tick = (): void => {
      // Catch up on late timer callbacks so the rate stays 50 packets a second.
      const due = Math.floor((performance.now() - started) / 20);
      while (next <= due) {
        const packet = Buffer.alloc(12 + FRAME);
        packet[0] = 0x80;
        packet[1] = next === 0 ? 0x80 : 0;
        packet.writeUInt16BE(sequence, 2);
        packet.writeUInt32BE(timestamp >>> 0, 4);
        packet.writeUInt32BE(ssrc >>> 0, 8);
        const at = (next % frames) * FRAME;
        packet.set(payload.subarray(at, at + FRAME), 12);
        this.socket.send(packet, remote.port, remote.address);
        this.sent += 1;
        sequence = (sequence + 1) & 0xffff;
        timestamp = (timestamp + FRAME) >>> 0;
        next += 1;
      }
    };
    tick();
    this.sender = setInterval(tick, 10);
  }

  stopSending(): void {
    clearInterval(this.sender);
    this.sender = undefined;
  }

  /** Everything heard so far, in arrival order. */
  heard(): Int16Array {
    const total = this.received.reduce((n, chunk) => n + chunk.length, 0);
    const all = new Int16Array(total);
    let offset = 0;
    for (const chunk of this.received) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    return all;
  }

  async close(): Promise<void> {
    this.stopSending();
    await new Promise<void>((resolve) => {
      this.socket.close(() => {
        resolve();
      });
    });
  }
}
