// Under CI a test may not skip: what it needs is installed there (.ci/run), so a missing tool is
// a failure, not a quiet skip. (.ci/run also fails a run whose report counts any skipped test.)

/** Whether this run is CI (the CI variable set, as CI services and .ci/run set it). */
export const IN_CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/**
 * Whether a test needing `missing` things may skip: only outside CI, and only when something is
 * missing. Under CI the test runs, and its setup calls `requireAll(missing)` to fail with the list.
 */
export function maySkip(missing: readonly string[]): boolean {
  return missing.length > 0 && !IN_CI;
}

/** Fails with what is missing (the CI path of a test that would otherwise skip). */
export function requireAll(missing: readonly string[]): void {
  if (missing.length > 0) throw new Error(`CI does not skip: ${missing.join('; ')}`);
}
