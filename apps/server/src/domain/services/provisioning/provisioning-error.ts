/** One problem in a provisioning file, located like `users[1].devices[0].sip.password`. */
export interface ProvisioningIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * A provisioning file was rejected as a whole. `issues` lists every problem found (not only the
 * first) so a person can fix the file in one go; the message lists them one per line.
 */
export class ProvisioningError extends Error {
  readonly issues: readonly ProvisioningIssue[];

  constructor(issues: readonly ProvisioningIssue[], fileName?: string) {
    const where = fileName ?? 'the provisioning file';
    const count = issues.length === 1 ? '1 problem' : `${String(issues.length)} problems`;
    super(
      [`${where} was not applied (${count}):`, ...issues.map((i) => `  ${formatIssue(i)}`)].join(
        '\n',
      ),
    );
    this.name = 'ProvisioningError';
    this.issues = issues;
  }
}

/** `users[1].devices[0].sip.password: required`, or just the message for file-wide problems. */
export function formatIssue(issue: ProvisioningIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}
