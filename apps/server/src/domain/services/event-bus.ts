import type { ServerEvent } from '@switchboard/contracts';
import { silentLogger, type Logger } from '../ports/logger.js';

/**
 * Receives events. `userId` is the user the event belongs to, or null for server-wide events
 * (trunks) that only admins see.
 */
export type ServerEventListener = (event: ServerEvent, userId: string | null) => void;

/** Removes a subscription; calling it twice is harmless. */
export type Unsubscribe = () => void;

/**
 * In-process fan-out of live events to the clients watching them (the WebSocket endpoint, later
 * the desktop notifier). Delivery is synchronous and per user; a listener that throws is logged
 * and does not stop delivery to the others. Events are not stored: a client that was not
 * connected refetches on reconnect.
 */
export class EventBus {
  private readonly byUser = new Map<string, Set<ServerEventListener>>();
  private readonly everyone = new Set<ServerEventListener>();

  constructor(private readonly logger: Logger = silentLogger) {}

  /** Delivers `event` to the user's listeners and to every all-users listener (admins). */
  publish(userId: string, event: ServerEvent): void {
    const own = this.byUser.get(userId);
    if (own) this.deliver(own, event, userId);
    this.deliver(this.everyone, event, userId);
  }

  /** Delivers a server-wide event (no owner) to all-users listeners only. */
  publishToAdmins(event: ServerEvent): void {
    this.deliver(this.everyone, event, null);
  }

  /** Listens to one user's events. */
  subscribe(userId: string, listener: ServerEventListener): Unsubscribe {
    let listeners = this.byUser.get(userId);
    if (!listeners) {
      listeners = new Set();
      this.byUser.set(userId, listeners);
    }
    listeners.add(listener);
    return () => {
      const current = this.byUser.get(userId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.byUser.delete(userId);
    };
  }

  /** Listens to every user's events and to server-wide ones (for admins). */
  subscribeAll(listener: ServerEventListener): Unsubscribe {
    this.everyone.add(listener);
    return () => {
      this.everyone.delete(listener);
    };
  }

  /** Number of active subscriptions, for metrics and leak checks in tests. */
  listenerCount(): number {
    let count = this.everyone.size;
    for (const listeners of this.byUser.values()) count += listeners.size;
    return count;
  }

  private deliver(
    listeners: ReadonlySet<ServerEventListener>,
    event: ServerEvent,
    userId: string | null,
  ): void {
    // Copy first: a listener may unsubscribe (its socket closed) while we deliver.
    for (const listener of [...listeners]) {
      try {
        listener(event, userId);
      } catch (error) {
        this.logger.error({ err: error, eventType: event.type }, 'event listener failed');
      }
    }
  }
}
