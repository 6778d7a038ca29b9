/** An event from the user's calendar, used to derive status and to recognise callers. */
export interface CalendarEvent {
  readonly id: string;
  readonly userId: string;
  /** iCalendar UID (with recurrence id for an expanded instance). */
  readonly uid: string;
  readonly summary: string;
  /** Epoch milliseconds, UTC. */
  readonly startsAt: number;
  readonly endsAt: number;
  readonly allDay: boolean;
  /** False for TRANSP:TRANSPARENT events that do not make the user busy. */
  readonly busy: boolean;
  /** True for out-of-office events. */
  readonly outOfOffice: boolean;
  /** Attendee e-mail addresses, lower-case. */
  readonly attendees: readonly string[];
  readonly updatedAt: number;
}
