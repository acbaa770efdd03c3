// docs/events.md, generated from the catalogue (EVENT_TYPES) and the JSON Schemas (eventSchema):
// one table per event type listing every field of `data`, nested ones as dotted paths.
// `npm run docs:events` writes it; test/unit/event-catalogue-doc.test.ts checks it is up to date.
import { EVENT_TYPES, eventSchema, type EventTypeInfo } from './catalogue.js';

// biome-ignore lint/suspicious/noExplicitAny: schemaless JSON (event data, JSON Schemas) read by key
type Schema = Record<string, any>;

export interface FieldRow {
  path: string;
  required: boolean;
  type: string;
  description: string;
}

/** Follows $ref into $defs and folds allOf, so a node reads as one plain schema. */
function resolve(node: Schema, defs: Record<string, Schema>): Schema {
  let s: Schema = node;
  if (typeof s.$ref === 'string') {
    const target = defs[s.$ref.replace('#/$defs/', '')];
    if (!target) throw new Error(`unresolved ${s.$ref}`);
    const { $ref: _ref, ...rest } = s;
    s = { ...resolve(target, defs), ...rest };
  }
  if (Array.isArray(s.allOf)) {
    const { allOf, ...rest } = s;
    let merged: Schema = { ...rest };
    for (const part of allOf as Schema[]) {
      const p = resolve(part, defs);
      merged = {
        ...p,
        ...merged,
        properties: { ...(p.properties ?? {}), ...(merged.properties ?? {}) },
        required: [...new Set([...(merged.required ?? []), ...(p.required ?? [])])],
      };
    }
    if (Object.keys(merged.properties).length === 0) delete merged.properties;
    if (merged.required.length === 0) delete merged.required;
    s = merged;
  }
  return s;
}

function typeOf(s: Schema, defs: Record<string, Schema>): string {
  if (Array.isArray(s.enum)) return s.enum.map((v: unknown) => `\`${JSON.stringify(v)}\``).join(' or ');
  const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  const parts: string[] = [];
  for (const t of types) {
    if (t === 'array') {
      const items = s.items ? resolve(s.items, defs) : {};
      parts.push(`array of ${items.properties ? 'objects' : typeOf(items, defs) || 'any'}`);
    } else parts.push(t);
  }
  let out = parts.join(' or ') || 'any';
  if (s.format) out += ` (${s.format})`;
  return out;
}

function constraints(s: Schema): string[] {
  const notes: string[] = [];
  if (s.minLength === 1) notes.push('non-empty');
  else if (typeof s.minLength === 'number') notes.push(`at least ${s.minLength} characters`);
  if (typeof s.minimum === 'number') notes.push(`≥ ${s.minimum}`);
  if (typeof s.minItems === 'number') notes.push(`at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
  if (typeof s.pattern === 'string' && !s.description) notes.push(`pattern \`${s.pattern}\``);
  return notes;
}

function rowsOf(schema: Schema, defs: Record<string, Schema>, prefix = ''): FieldRow[] {
  const rows: FieldRow[] = [];
  const required = new Set<string>(schema.required ?? []);
  for (const [name, raw] of Object.entries<Schema>(schema.properties ?? {})) {
    const s = resolve(raw, defs);
    const path = prefix ? `${prefix}.${name}` : name;
    const description = [s.description, ...constraints(s)].filter(Boolean).join('; ');
    rows.push({ path, required: required.has(name), type: typeOf(s, defs), description });
    if (s.properties) rows.push(...rowsOf(s, defs, path));
    const items = s.type === 'array' && s.items ? resolve(s.items, defs) : undefined;
    if (items?.properties) rows.push(...rowsOf(items, defs, `${path}[]`));
  }
  return rows;
}

/** Every field of an event type's `data`, parents before children. */
export function eventFields(type: string): FieldRow[] {
  const schema = eventSchema(type) as Schema | undefined;
  if (!schema) throw new Error(`no schema for ${type}`);
  return rowsOf(schema, (schema.$defs ?? {}) as Record<string, Schema>);
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const anchor = (type: string) => type.replace(/[^a-z0-9_-]/g, '');

function section(info: EventTypeInfo): string {
  const schema = eventSchema(info.type) as Schema;
  const lines = [
    `## ${info.type}`,
    '',
    info.description,
    ...(schema.description && schema.description !== info.description ? ['', `Schema: ${schema.description}`] : []),
    '',
    `- Audience: ${info.audience}${info.defaultDepartments ? ` (default departments: ${info.defaultDepartments.join(', ')})` : ''}`,
    `- Produced by: ${info.producedBy === 'partner' ? 'partners (kabar.events, POST /events, publishEvent)' : 'Kabar itself (not accepted from partners)'}`,
    `- Default channels: ${info.defaultChannels.length ? info.defaultChannels.join(', ') : 'none'}${info.notifies ? '' : " (notifies nobody: it only feeds Kabar's own events)"}`,
    '',
    '| Field | Required | Type | Description |',
    '|---|---|---|---|',
    ...eventFields(info.type).map(
      (r) => `| \`${cell(r.path)}\` | ${r.required ? 'yes' : ''} | ${cell(r.type)} | ${cell(r.description)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

/** The whole of docs/events.md. */
export function renderEventCatalogue(): string {
  const head = [
    '# Event catalogue',
    '',
    '<!-- Generated by `npm run docs:events` from src/events/catalogue.ts and src/events/event-schemas.ts. Do not edit by hand. -->',
    '',
    'Every event type Kabar knows, with the fields of its `data` as the JSON Schema (draft 2020-12) checks',
    'them. The envelope around `data` (`id`, `type`, `tenantId`, `occurredAt`; CloudEvents structured and',
    'binary modes) is described in EVENTS.md. Nested fields are dotted paths; `[]` marks the items of an',
    'array. "Required" means required within its parent object (a required field of an optional object is',
    'required only when the object is present). Extra properties are allowed and ignored. The served schemas',
    'are also available through the `eventTypes` and `eventSchema` GraphQL queries.',
    '',
    'Phone numbers (`patient.phone`, `centre.phone`) are E.164 (`+6281234567890`) or national in the',
    "tenant's country (`081234567890` for a tenant whose `country` is `ID`): Kabar stores and sends them",
    'as E.164. One that is no number there is refused naming its path: `BAD_USER_INPUT` from `publishEvent`',
    'and `POST /events` (`input.data.patient.phone: must be a phone number, e.g. …`), `INVALID_DATA` in',
    'the dead-letter topic for a Kafka message.',
    '',
    '| Type | Audience | Produced by | Default channels | Description |',
    '|---|---|---|---|---|',
    ...EVENT_TYPES.map(
      (e) =>
        `| [\`${e.type}\`](#${anchor(e.type)}) | ${e.audience} | ${e.producedBy} | ${e.defaultChannels.join(', ') || '—'} | ${cell(e.description)} |`,
    ),
    '',
  ];
  return [...head, ...EVENT_TYPES.map(section)].join('\n');
}
