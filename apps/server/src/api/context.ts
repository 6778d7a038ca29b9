import type { EntityAction, EntityName } from '@switchboard/contracts';
import type { Clock } from '../domain/ports/clock.js';
import type { Store } from '../domain/ports/store.js';
import type { AuthService } from '../domain/services/auth-service.js';
import type { EventBus } from '../domain/services/event-bus.js';
import { iso } from './dto.js';
import type { LiveSockets } from './live-sockets.js';

/** What every route module gets from buildApp. */
export interface RouteContext {
  readonly store: Store;
  readonly events: EventBus;
  readonly clock: Clock;
  readonly auth: AuthService;
  /** Open event sockets by credential: routes that end a credential close its sockets. */
  readonly sockets: LiveSockets;
  /** Tells live clients that something changed. `ownerId` null: server-wide (admins only). */
  announce(entity: EntityName, id: string, action: EntityAction, ownerId: string | null): void;
}

export function createRouteContext(deps: {
  store: Store;
  events: EventBus;
  clock: Clock;
  auth: AuthService;
  sockets: LiveSockets;
}): RouteContext {
  const { events, clock } = deps;
  return {
    ...deps,
    announce(entity, id, action, ownerId) {
      const event = {
        type: 'entity.changed',
        entity,
        id,
        action,
        userId: ownerId,
        at: iso(clock.now()),
      } as const;
      if (ownerId === null) events.publishToAdmins(event);
      else events.publish(ownerId, event);
    },
  };
}
