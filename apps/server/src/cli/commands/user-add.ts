import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { addUser } from '../../domain/services/users.js';
import { addStoreOptions, configFromOptions, type StoreOptions } from '../shared-options.js';
import { withStore } from '../with-store.js';

interface UserAddOptions extends StoreOptions {
  id: string;
  name: string;
  email: string;
  password?: string;
  timezone?: string;
  country?: string;
  role: 'admin' | 'user';
}

export function userCommand(): Command {
  const user = new Command('user').summary('manage users').description('Manage users.');
  const add = new Command('add')
    .summary('add a user')
    .description(
      'Add a user who can sign in to the web client and API. Without --password a random one is made and printed once.',
    )
    .requiredOption('--id <id>', 'short id, e.g. alice (lower-case letters, digits, . _ -)')
    .requiredOption('--name <name>', 'full name')
    .requiredOption('--email <email>', 'e-mail address, used to sign in')
    .option('--password <password>', 'sign-in password (at least 8 characters)')
    .option('--timezone <zone>', 'IANA time zone, e.g. Europe/Paris (default UTC)')
    .option('--country <code>', 'two-letter country for numbers written without + (default US)')
    .addOption(
      new Option('--role <role>', 'user or admin').choices(['user', 'admin']).default('user'),
    );
  addStoreOptions(add).action(async (options: UserAddOptions) => {
    const { config } = configFromOptions(options);
    const password = options.password ?? randomBytes(12).toString('base64url');
    const created = await withStore(config, (store) =>
      store.transaction((repos) =>
        addUser(repos, {
          id: options.id,
          name: options.name,
          email: options.email,
          password,
          timezone: options.timezone,
          country: options.country,
          role: options.role,
        }),
      ),
    );
    console.log(
      `Added ${created.role} ${created.id} (${created.name}), who signs in as ${created.email}.`,
    );
    if (options.password === undefined)
      console.log(`Password: ${password}   (shown once; keep it somewhere safe)`);
  });
  return user.addCommand(add);
}
