/** A mistake in the command line or the environment: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A refusal the operator can act on: printed as one line (`kabar: …`), exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}
