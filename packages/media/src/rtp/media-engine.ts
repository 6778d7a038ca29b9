/**
 * The media engine as the server wires it: one port pool, one pacing clock, and the sessions
 * opened from them, so shutdown can close every session still up.
 */
import { sharedPacingClock, type PacingClock } from '../clock/pacing-clock.js';
import { PortPool, type PortPoolOptions } from './port-pool.js';
import { RtpSession } from './rtp-session.js';
import type { RtpSessionOptions } from './session-types.js';

export interface MediaEngineOptions extends Omit<RtpSessionOptions, 'pool' | 'pacer' | 'onClosed'> {
  /** RTP port range and bind address. */
  readonly ports: PortPoolOptions;
  /** The pacing loop; the process's shared one by default. */
  readonly pacer?: PacingClock;
}

export class MediaEngine {
  readonly pool: PortPool;
  readonly pacer: PacingClock;
  private readonly sessions = new Set<RtpSession>();
  private readonly defaults: Omit<MediaEngineOptions, 'ports' | 'pacer'>;

  constructor(options: MediaEngineOptions) {
    const { ports, pacer, ...defaults } = options;
    this.pool = new PortPool(ports);
    this.pacer = pacer ?? sharedPacingClock();
    this.defaults = defaults;
  }

  /** Sessions open now. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** A new session on the next free port pair; `overrides` change the engine defaults for it. */
  async openSession(
    overrides: Omit<RtpSessionOptions, 'pool' | 'pacer' | 'onClosed'> = {},
  ): Promise<RtpSession> {
    const session: RtpSession = await RtpSession.open({
      ...this.defaults,
      ...overrides,
      pool: this.pool,
      pacer: this.pacer,
      onClosed: () => {
        this.sessions.delete(session);
      },
    });
    this.sessions.add(session);
    return session;
  }

  /**
   * Closes every open session (BYE, sockets, ports) and the port pool's warm pairs; the pacer
   * stops with its last session.
   */
  async close(): Promise<void> {
    await Promise.all([...this.sessions].map((session) => session.close()));
    await this.pool.close();
  }
}
