import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { addUser, resetPassword } from '../../domain/services/users.js';
import { readSecretFromStdin } from '../read-secret.js';
import { addStoreOptions, configFromOptions, type StoreOptions } from '../shared-options.js';
import { withStore } from '../with-store.js';

interface PasswordOptions {
  password?: string;
  passwordStdin?: boolean;
}

interface UserAddOptions extends StoreOptions, PasswordOptions {
  id: string;
  name: string;
  email: string;
  timezone?: string;
  country?: string;
  role: 'admin' | 'user';
}

interface UserPasswordOptions extends StoreOptions, PasswordOptions {
  id: string;
}

export function userCommand(): Command {
  const user = new Command('user').summary('manage users').description('Manage users.');
  return user.addCommand(addCommand()).addCommand(passwordCommand());
}

function addCommand(): Command {
  const add = new Command('add')
    .summary('add a user')
    .description(
      'Add a user who can sign in to the web client and API. Without --password or --password-stdin a random password is made and printed once.',
    )
    .requiredOption('--id <id>', 'short id, e.g. alice (lower-case letters, digits, . _ -)')
    .requiredOption('--name <name>', 'full name')
    .requiredOption('--email <email>', 'e-mail address, used to sign in')
    .option('--timezone <zone>', 'IANA time zone, e.g. Europe/Paris (default UTC)')
    .option('--country <code>', 'two-letter country for numbers written without + (default US)')
    .addOption(
      new Option('--role <role>', 'user or admin').choices(['user', 'admin']).default('user'),
    );
  addPasswordOptions(add);
  return addStoreOptions(add).action(async (options: UserAddOptions) => {
    const { config } = configFromOptions(options);
    const { password, generated } = await passwordFrom(options);
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
    if (generated) console.log(`Password: ${password}   (shown once; keep it somewhere safe)`);
  });
}

function passwordCommand(): Command {
  const command = new Command('password')
    .summary("set a user's password")
    .description(
      "Set a user's sign-in password and sign them out everywhere. Without --password or --password-stdin a random password is made and printed once.",
    )
    .requiredOption('--id <id>', 'the user');
  addPasswordOptions(command);
  return addStoreOptions(command).action(async (options: UserPasswordOptions) => {
    const { config } = configFromOptions(options);
    const { password, generated } = await passwordFrom(options);
    const updated = await withStore(config, (store) =>
      store.transaction((repos) => resetPassword(repos, options.id, password)),
    );
    console.log(
      `New password set for ${updated.id} (${updated.email}); their sessions have ended.`,
    );
    if (generated) console.log(`Password: ${password}   (shown once; keep it somewhere safe)`);
  });
}

function addPasswordOptions(command: Command): void {
  command
    .addOption(
      new Option(
        '--password-stdin',
        'read the password from standard input (keeps it out of ps and shell history)',
      ).conflicts('password'),
    )
    .option(
      '--password <password>',
      'the password (at least 8 characters); visible to other local users in ps',
    );
}

async function passwordFrom(
  options: PasswordOptions,
): Promise<{ password: string; generated: boolean }> {
  if (options.passwordStdin === true)
    return { password: await readSecretFromStdin('password'), generated: false };
  if (options.password !== undefined) return { password: options.password, generated: false };
  return { password: randomBytes(12).toString('base64url'), generated: true };
}
