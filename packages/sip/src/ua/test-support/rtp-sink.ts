/**
 * A UDP socket on 127.0.0.1 that stands in for the media engine in calls placed to a real phone:
 * its port goes into our SDP offer, and it keeps the RTP packets (RFC 3550 §5.1) that arrive, so a
 * test can tell that the call really carried audio.
 */
import { createSocket, type Socket } from 'node:dgram';

export interface RtpPacket {
  readonly version: number;
  readonly payloadType: number;
  readonly sequence: number;
  readonly ssrc: number;
  readonly payload: Buffer;
  /** The sender's port. */
  readonly port: number;
}

/** The fixed 12-byte header plus CSRCs; undefined for what is not RTP. */
export function parseRtp(datagram: Buffer, port: number): RtpPacket | undefined {
  if (datagram.length < 12) return undefined;
  const first = datagram.readUInt8(0);
  const csrcCount = first & 0x0f;
  const headerLength = 12 + 4 * csrcCount;
  if (datagram.length < headerLength) return undefined;
  return {
    version: first >> 6,
    payloadType: datagram.readUInt8(1) & 0x7f,
    sequence: datagram.readUInt16BE(2),
    ssrc: datagram.readUInt32BE(8),
    payload: datagram.subarray(headerLength),
    port,
  };
}

export class RtpSink {
  readonly packets: RtpPacket[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('message', (datagram, remote) => {
      const packet = parseRtp(datagram, remote.port);
      if (packet !== undefined) this.packets.push(packet);
    });
  }

  static async open(): Promise<RtpSink> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RtpSink(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** An SDP offer of PCMU audio to this socket (RFC 4566, RFC 3551 payload type 0). */
  offer(): string {
    return [
      'v=0',
      'o=switchboard 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${String(this.port)} RTP/AVP 0`,
      'a=rtpmap:0 PCMU/8000',
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.close(() => {
        resolve();
      });
    });
  }
}
