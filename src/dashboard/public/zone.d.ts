// Types of zone.js, for the unit tests that import it (the browser needs none).
export function offsetAt(t: number, timeZone: string): number;
export function offsetLabel(timeZone: string, t?: number): string;
export function startOfDay(y: number, m: number, d: number, timeZone: string): Date;
export function todayIn(timeZone: string, t?: number): string;
export function windowRange(kind: 'today' | '7d' | 'custom' | 'all', timeZone: string, custom?: { from?: string; to?: string }, now?: number): { since: string | null; until: string | null };
