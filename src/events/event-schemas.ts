// JSON Schemas (draft 2020-12) for the `data` of every event type, exactly as EVENTS.md
// describes it: required properties enforced, extra properties allowed and ignored. The specs
// live by event family in schemas/; this file makes each one self-contained.

import { KABAR_SPECS } from './schemas/kabar.event-schema.js';
import { PATIENT_SPECS } from './schemas/patient.event-schema.js';
import { SHARED_DEFS, type Schema, type Spec } from './schemas/shared.event-schema.js';
import { STAFF_SPECS } from './schemas/staff.event-schema.js';

export { SHARED_DEFS };

const SPECS: Record<string, Spec> = { ...PATIENT_SPECS, ...STAFF_SPECS, ...KABAR_SPECS };

/** Names of the shared definitions a schema refers to, following references transitively. */
function usedDefs(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => usedDefs(n, found));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') {
        const name = v.replace('#/$defs/', '');
        if (!found.has(name)) {
          found.add(name);
          usedDefs(SHARED_DEFS[name], found);
        }
      } else usedDefs(v, found);
    }
  }
  return found;
}

function buildSchema(spec: Spec): Schema {
  const body = { type: 'object', required: spec.required, properties: spec.properties };
  const defs = Object.fromEntries([...usedDefs(body)].sort().map((n) => [n, SHARED_DEFS[n]]));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: spec.title,
    description: spec.description,
    ...body,
    $defs: defs,
  };
}

/** Self-contained schemas keyed by event type (each carries the `$defs` it needs). */
export const EVENT_DATA_SCHEMAS: Readonly<Record<string, Readonly<Schema>>> = Object.fromEntries(
  Object.entries(SPECS).map(([type, spec]) => [type, buildSchema(spec)]),
);
