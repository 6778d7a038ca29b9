/**
 * The user's mail server for the voicemail test: a real SMTP server (npm smtp-server, the
 * test-support one of the voicemail service's own tests) on one loopback port for the whole
 * test, which can be stopped (connections refused: the server is down) and started again on the
 * same port. Every mail it accepted, in any of its lives, is kept in order, parsed with
 * mailparser, with the life it arrived in.
 */
import {
  TestSmtpServer,
  freeTcpPort,
  type ReceivedMail,
} from '../../../src/test-support/voicemail.js';

export interface DroppedMail extends ReceivedMail {
  /** 1 for mail the first server took, 2 after the first restart, ... */
  readonly life: number;
}

export class MailDrop {
  private server: TestSmtpServer | undefined;
  private lives = 0;
  private readonly earlier: DroppedMail[] = [];

  private constructor(
    readonly port: number,
    readonly users: Readonly<Record<string, string>>,
  ) {}

  /** Starts on a free loopback port, without TLS, with AUTH for `users`. */
  static async start(users: Readonly<Record<string, string>>): Promise<MailDrop> {
    const drop = new MailDrop(await freeTcpPort(), users);
    await drop.up();
    return drop;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Every mail accepted so far, over every life of the server. */
  get mails(): readonly DroppedMail[] {
    const current = this.server?.received ?? [];
    return [...this.earlier, ...current.map((mail) => ({ ...mail, life: this.lives }))];
  }

  /** Starts the server (again) on its port. */
  async up(): Promise<void> {
    if (this.server !== undefined) return;
    this.server = await TestSmtpServer.start({ port: this.port, users: this.users });
    this.lives += 1;
  }

  /** Stops it: from now on connections to the port are refused. Idempotent. */
  async down(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.earlier.push(...server.received.map((mail) => ({ ...mail, life: this.lives })));
    this.server = undefined;
    await server.close();
  }
}
