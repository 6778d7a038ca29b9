import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

export type PortProtocol = 'tcp' | 'udp';

/**
 * Says whether host:port can be bound right now, so start-up can refuse a busy port before it
 * touches the store. Returns the system's error code (EADDRINUSE, EACCES...) or null when free.
 */
export function probePort(
  protocol: PortProtocol,
  host: string,
  port: number,
): Promise<string | null> {
  return protocol === 'tcp' ? probeTcp(host, port) : probeUdp(host, port);
}

function probeTcp(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code ?? error.message);
    });
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => {
        resolve(null);
      });
    });
  });
}

function probeUdp(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.close();
      resolve(error.code ?? error.message);
    });
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.close(() => {
        resolve(null);
      });
    });
  });
}

/** Turns a bind error code into advice a person can act on. */
export function explainPortError(code: string, what: string, port: number, envVar: string): string {
  if (code === 'EADDRINUSE') {
    return `${what} port ${port} is already in use: another Switchboard or another program is listening there. Stop it, or choose another port with ${envVar}.`;
  }
  if (code === 'EACCES') {
    return `${what} port ${port} needs privileges this user does not have. Use a port above 1023 with ${envVar}, or grant CAP_NET_BIND_SERVICE.`;
  }
  if (code === 'EADDRNOTAVAIL') {
    return `${what} address is not an address of this machine (${code}); check the host setting.`;
  }
  return `${what} port ${port} cannot be opened: ${code}`;
}
