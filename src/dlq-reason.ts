/**
 * The code of a dead-letter reason ("INVALID_DATA: /patient must…" -> "INVALID_DATA"), the
 * prefix every reason of src/consumers starts with; "OTHER" when there is none. Bounded, so it
 * can label a metric or group a report.
 */
export function reasonCode(reason: string): string {
  return /^([A-Z][A-Z0-9_]{1,40})(?::|$)/.exec(reason)?.[1] ?? 'OTHER';
}
