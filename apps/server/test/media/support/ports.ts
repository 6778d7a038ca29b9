/**
 * Free ports on 127.0.0.1 for the real peers of the media tests (SIPp, baresip), which take a
 * port number on their command line and cannot be handed port 0. Two test files may run at once,
 * so RTP ranges are chosen at random and every port is probed before use.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

async function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => {
      socket.close(() => {
        resolve(true);
      });
    });
  });
}

async function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** A port the kernel picked, free for both UDP and TCP on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const server = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    if (port !== 0 && (await udpFree(port))) return port;
  }
  throw new Error('no port free for both UDP and TCP on 127.0.0.1');
}

/**
 * A port for baresip 1.0.0's `sip_listen`: it binds UDP and TCP there and TLS on the next port
 * (it has no setting to leave TLS out), so both must be free.
 */
export async function freeSipPortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await freePort();
    if (port < 65535 && (await tcpFree(port + 1))) return port;
  }
  throw new Error('no two consecutive ports free on 127.0.0.1');
}

/**
 * `count` consecutive UDP ports starting on an even number (RTP on even, RTCP on odd, RFC 3550
 * §11), all free now, somewhere in 20000-59999.
 */
export async function freeUdpRange(count: number): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const min = 20000 + 2 * Math.floor(Math.random() * ((40000 - count) / 2));
    let free = true;
    for (let port = min; port < min + count && free; port += 1) {
      free = await udpFree(port);
    }
    if (free) return { min, max: min + count - 1 };
  }
  throw new Error(`no ${String(count)} consecutive free UDP ports found on 127.0.0.1`);
}
