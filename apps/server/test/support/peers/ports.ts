/**
 * Free ports on 127.0.0.1 for the real peers. A port is "free" when this process can bind it
 * for UDP and TCP at once; the peer binds it a moment later (the window is small and every
 * peer reports a bind failure loudly, so a lost race shows as a clear start-up error).
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer } from 'node:net';

const HOST = '127.0.0.1';

function bindUdp(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind(port, HOST, () => {
      resolve(socket);
    });
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, HOST, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

function closeUdp(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.close(() => {
      resolve();
    });
  });
}

/** True when `count` consecutive ports from `first` are free for UDP and TCP. */
async function runFree(first: number, count: number): Promise<boolean> {
  const held: Socket[] = [];
  try {
    for (let port = first; port < first + count; port += 1) {
      if (port > 65535) return false;
      const udp = await bindUdp(port);
      if (udp === undefined) return false;
      held.push(udp);
      if (!(await tcpFree(port))) return false;
    }
    return true;
  } finally {
    await Promise.all(held.map(closeUdp));
  }
}

/**
 * The first of `count` consecutive ports free for UDP and TCP (`even` for RTP/RTCP pairs).
 * baresip needs two (it listens for TLS on its SIP port + 1); SIPp's RTP echo needs four.
 */
export async function freePorts(count = 1, options: { even?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const udp = await bindUdp(0);
    if (udp === undefined) continue;
    let first = udp.address().port;
    await closeUdp(udp);
    if (options.even === true && first % 2 === 1) first -= 1;
    if (first < 1024) continue;
    if (await runFree(first, count)) return first;
  }
  throw new Error(`no run of ${String(count)} free UDP+TCP ports on ${HOST}`);
}

/** One port free for both UDP and TCP. */
export function freePort(): Promise<number> {
  return freePorts(1);
}
