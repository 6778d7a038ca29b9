import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { systemClock } from '../../domain/ports/clock.js';
import { importContacts } from '../../domain/services/contact-import.js';
import { parseVCards } from '../../integrations/vcard/parse-vcards.js';
import { CliError } from '../cli-error.js';
import { createProgress } from '../progress.js';
import { addStoreOptions, configFromOptions, type StoreOptions } from '../shared-options.js';
import { withStore } from '../with-store.js';

interface ImportOptions extends StoreOptions {
  user: string;
  codePrefix?: string;
}

export function contactsCommand(): Command {
  const contacts = new Command('contacts')
    .summary('manage contacts')
    .description("Manage a user's contacts.");
  const importCommand = new Command('import')
    .summary('import contacts from a vCard file')
    .description(
      "Import a .vcf file (vCard 2.1, 3.0 or 4.0, as exported by Apple Contacts, Google Contacts or Outlook) into a user's contacts. Phone numbers are read in the user's country. The handling code comes from the card's X-SWITCHBOARD-CODE property, else a category with the code prefix (hc:VIP), else a [hc:VIP] tag in the note, else the first category (label, group) that is one of the user's handling codes. Importing the same file again updates cards instead of duplicating them; broken cards are skipped and listed.",
    )
    .argument('<file>', 'vCard file (.vcf)')
    .requiredOption('-u, --user <id>', 'the user who owns the contacts')
    .option(
      '--code-prefix <prefix>',
      'prefix of handling codes in categories and notes (default: contacts.codePrefix, hc:) [SWITCHBOARD_CONTACT_CODE_PREFIX]',
    );
  addStoreOptions(importCommand).action(async (file: string, options: ImportOptions) => {
    const { config } = configFromOptions(
      options,
      options.codePrefix === undefined ? {} : { contacts: { codePrefix: options.codePrefix } },
    );
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new CliError(`${file} cannot be read: ${(error as Error).message}`);
    }
    const entries = parseVCards(text);
    if (entries.length === 0) throw new CliError(`${file} holds no vCard (no BEGIN:VCARD line).`);
    const progress = createProgress('Importing');
    const result = await withStore(config, (store) =>
      importContacts(store, options.user, entries, {
        clock: systemClock,
        onProgress: progress.update,
        codePrefix: config.contacts.codePrefix,
      }),
    );
    progress.finish();
    console.log(
      `${file}: ${entries.length} card${entries.length === 1 ? '' : 's'}: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged, ${result.skipped.length} skipped.`,
    );
    for (const skip of result.skipped) {
      console.log(
        `  skipped card ${skip.index + 1}${skip.name ? ` (${skip.name})` : ''}: ${skip.reason}`,
      );
    }
    for (const warning of result.warnings) {
      console.log(`  note on card ${warning.index + 1} (${warning.name}): ${warning.message}`);
    }
  });
  return contacts.addCommand(importCommand);
}
