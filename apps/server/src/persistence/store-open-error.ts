/**
 * The store could not be opened: a bad SWITCHBOARD_DATABASE_URL, an unreachable or refusing
 * PostgreSQL, an unwritable SQLite file, a failed migration. The message is one line meant for
 * a person (the CLI prints it alone); it never contains a password. The driver error, if any,
 * is kept as `cause` for logs.
 */
export class StoreOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreOpenError';
  }
}
