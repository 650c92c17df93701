/**
 * An upgrade that cannot be done as asked (a dirty service, a template commit
 * that cannot be found or reproduced): the command prints the message, writes
 * nothing and exits 2.
 */
export class UpgradeError extends Error {
  override name = 'UpgradeError';
}
