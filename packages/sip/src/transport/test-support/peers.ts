/**
 * Raw TLS and WebSocket peers on 127.0.0.1 for the transport tests: they write bytes or
 * messages and collect what comes back, so a test sees exactly what went over the wire.
 */
import { connect, type TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { until } from './sockets.js';

/** A TLS client connected to 127.0.0.1:`port`, trusting `ca`. */
export class TlsPeer {
  received = '';
  closed = false;
  private constructor(readonly socket: TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.toString('latin1');
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => {
      // Resets from the server under test are part of what is tested.
    });
  }

  static async connect(port: number, ca: string): Promise<TlsPeer> {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    return new TlsPeer(socket);
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  write(bytes: Buffer | string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(bytes, (error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }

  async waitFor(text: string): Promise<void> {
    await until(() => this.received.includes(text));
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface WsPeerOptions {
  /** Subprotocols to offer (default `['sip']`). */
  readonly protocols?: readonly string[];
  /** CA to trust for wss. */
  readonly ca?: string;
  /** Answer pings (default true, as every WebSocket client does). */
  readonly autoPong?: boolean;
}

/** A WebSocket client of a SIP WebSocket server, collecting the messages it receives. */
export class WsPeer {
  readonly messages: { text: string; binary: boolean }[] = [];
  closeCode: number | undefined;
  private constructor(
    readonly socket: WebSocket,
    /** The client's port, as the server sees it. */
    readonly localPort: number,
  ) {
    socket.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      this.messages.push({ text: bytes.toString('utf8'), binary: isBinary });
    });
    socket.on('close', (code) => {
      this.closeCode = code;
    });
    socket.on('error', () => {
      // Closes by the server under test are part of what is tested.
    });
  }

  /** Connects to `url`; rejects with the handshake's error (a refused upgrade, say). */
  static async connect(url: string, options: WsPeerOptions = {}): Promise<WsPeer> {
    const socket = new WebSocket(url, [...(options.protocols ?? ['sip'])], {
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      autoPong: options.autoPong ?? true,
    });
    let localPort = 0;
    socket.once('upgrade', (response) => {
      localPort = response.socket.localPort ?? 0;
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new WsPeer(socket, localPort);
  }

  get closed(): boolean {
    return this.closeCode !== undefined;
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  send(text: string | Buffer, binary = false): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(text, { binary }, (error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }

  async message(index = 0): Promise<string> {
    await until(() => this.messages.length > index);
    return this.messages[index]?.text ?? '';
  }

  close(): void {
    this.socket.terminate();
  }
}
