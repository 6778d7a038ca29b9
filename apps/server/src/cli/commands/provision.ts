import { Command } from 'commander';
import { systemClock } from '../../domain/ports/clock.js';
import {
  applyProvisioning,
  loadProvisioningFile,
  formatProvisioningReport,
} from '../../domain/services/provisioning/index.js';
import { configFromOptions, addStoreOptions, type StoreOptions } from '../shared-options.js';
import { createProgress } from '../progress.js';
import { withStore } from '../with-store.js';

interface ProvisionOptions extends StoreOptions {
  verbose?: boolean;
}

export function provisionCommand(): Command {
  const command = new Command('provision')
    .summary('apply a provisioning file')
    .description(
      'Apply a provisioning file (YAML or JSON: trunks, users, numbers, devices, handling codes, flows, contacts). The whole file is checked first and rejected with every error if anything is wrong; then it is applied in one transaction. Applying the same file twice changes nothing. Things absent from the file are left alone. Schema: docs/provisioning.schema.json.',
    )
    .argument('<file>', 'provisioning file')
    .option('-v, --verbose', 'also list every item left unchanged');
  return addStoreOptions(command).action(async (file: string, options: ProvisionOptions) => {
    const { config } = configFromOptions(options);
    const document = await loadProvisioningFile(file);
    const progress = createProgress('Applying');
    const report = await withStore(config, (store) =>
      applyProvisioning(store, document, { clock: systemClock, onProgress: progress.update }),
    );
    progress.finish();
    for (const line of formatProvisioningReport(report)) console.log(line);
    if (options.verbose === true) for (const item of report.unchanged) console.log(`  = ${item}`);
  });
}
