// An event's phone numbers as E.164, read in the tenant's country. The schemas only check
// that a phone looks like one (the tenant, and so the country, is not known when an event is
// decoded); this runs where it is: at publication (publishEvent, POST /events) and at dispatch.
import { phoneProblem, toE164 } from '../phone.js';
import { EVENT_DATA_SCHEMAS } from './event-schemas.js';

type Node = Record<string, unknown>;
/** Property names from the data's root; "*" is every item of an array. */
type Path = string[];

export type PhoneCheck = { ok: true; data: unknown } | { ok: false; errors: { path: string; message: string }[] };

const PHONE_REF = '#/$defs/phone';
const pathsByType = new Map<string, Path[]>();

/** Where an event type's data holds phone numbers, e.g. [["patient","phone"], ["affected","*","patient","phone"]]. */
export function phonePaths(type: string): Path[] {
  const cached = pathsByType.get(type);
  if (cached) return cached;
  const schema = EVENT_DATA_SCHEMAS[type] as Node | undefined;
  const found: Path[] = [];
  if (schema) walk(schema, schema, [], found, 0);
  pathsByType.set(type, found);
  return found;
}

function walk(root: Node, node: Node, path: Path, found: Path[], depth: number): void {
  if (depth > 20) return;
  const $ref = node.$ref;
  if ($ref === PHONE_REF) return void found.push(path);
  if (typeof $ref === 'string' && $ref.startsWith('#/$defs/')) {
    const def = (root.$defs as Record<string, Node> | undefined)?.[$ref.slice(8)];
    if (def) walk(root, def, path, found, depth + 1);
  }
  const properties = (node.properties as Record<string, Node> | undefined) ?? {};
  for (const [key, child] of Object.entries(properties)) walk(root, child, [...path, key], found, depth + 1);
  if (node.items && typeof node.items === 'object') walk(root, node.items as Node, [...path, '*'], found, depth + 1);
  for (const list of ['allOf', 'anyOf', 'oneOf']) {
    for (const sub of (node[list] as Node[] | undefined) ?? []) walk(root, sub, path, found, depth + 1);
  }
}

/** The phones found at `path` in `data`, with their JSON pointers and where to write the E.164 form. */
interface Found {
  pointer: string;
  value: string;
  set: (v: string) => void;
}

function* phonesAt(data: unknown, path: Path, pointer = ''): Generator<Found> {
  if (!data || typeof data !== 'object') return;
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (head === '*') {
    if (!Array.isArray(data)) return;
    for (const [i, item] of data.entries()) yield* phonesAt(item, rest, `${pointer}/${i}`);
    return;
  }
  if (!Object.hasOwn(data, head)) return;
  const value = (data as Record<string, unknown>)[head];
  if (rest.length > 0) return yield* phonesAt(value, rest, `${pointer}/${head}`);
  const set = (v: string) => void ((data as Record<string, unknown>)[head] = v);
  if (typeof value === 'string') yield { pointer: `${pointer}/${head}`, value, set };
}

/**
 * The event's data with every phone as E.164 (national numbers read in `country`), or every
 * phone that is no number there, by JSON pointer. The data is copied only when a phone changes.
 */
export function normaliseEventPhones(type: string, data: unknown, country: string | null | undefined): PhoneCheck {
  const errors: { path: string; message: string }[] = [];
  let changed = false;
  for (const path of phonePaths(type)) {
    for (const phone of phonesAt(data, path)) {
      const e164 = toE164(phone.value, country);
      if (!e164) errors.push({ path: phone.pointer, message: phoneProblem(country) });
      else if (e164 !== phone.value) changed = true;
    }
  }
  if (errors.length) return { ok: false, errors };
  if (!changed) return { ok: true, data };
  const copy = structuredClone(data);
  for (const path of phonePaths(type)) {
    for (const phone of phonesAt(copy, path)) phone.set(toE164(phone.value, country)!);
  }
  return { ok: true, data: copy };
}

/** The problems as one line, like the decoder's INVALID_DATA reasons: "/patient/phone must be a phone number, …". */
export function phoneReason(errors: { path: string; message: string }[]): string {
  return `INVALID_DATA: ${errors
    .slice(0, 5)
    .map((e) => `${e.path} ${e.message}`)
    .join('; ')}`;
}
