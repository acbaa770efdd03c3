// What PostgreSQL can store of an event: `data` goes to jsonb (and is copied with JSON.stringify),
// ids to text. Both refuse NUL, store a lone surrogate as U+FFFD (or fail), and JSON.stringify
// overflows its stack on absurd nesting. One check for every entry (Kafka, HTTP, GraphQL).

/** How deep `data` may nest: EVENTS.md needs 4 levels; anything near this is an attack or a bug. */
export const MAX_DATA_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why PostgreSQL could not store this text, if it could not. */
export function textProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains NUL (U+0000), which cannot be stored';
  if (LONE_SURROGATE.test(s)) return 'is not well-formed Unicode (a lone surrogate)';
  return undefined;
}

/** The first place in `data` (a JSON Pointer) that could not be stored, and why; checked iteratively. */
export function storableProblem(data: unknown): { path: string; message: string } | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: data, path: '', depth: 0 }];
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { path: path || '/', message: problem };
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_DATA_DEPTH)
        return { path: path || '/', message: `is nested more than ${MAX_DATA_DEPTH} levels deep` };
      for (const [k, v] of Object.entries(value)) {
        const at = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        const problem = textProblem(k);
        if (problem) return { path: visible(at), message: `is a property name that ${problem}` };
        stack.push({ value: v, path: at, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/** A path naming a bad property name, with the unstorable characters spelled out (\u0000). */
function visible(path: string): string {
  return path.replace(/[\u0000\uD800-\uDFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
