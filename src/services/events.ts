import { ValidationError } from '../errors.js';
import { eventTypeInfo, validateEventData } from '../events/catalogue.js';

export interface EventEnvelope {
  id: string;
  type: string;
  occurredAt: Date;
  data: unknown;
}

/** Envelope and data checks shared by every ingest path (GraphQL, HTTP, Kafka). */
export function validateEnvelope(e: EventEnvelope): void {
  if (!e.id.trim() || e.id.length > 200) throw new ValidationError('input.id', 'input.id must be 1 to 200 characters');
  const info = eventTypeInfo(e.type);
  if (!info) throw new ValidationError('input.type', `input.type "${e.type}" is not a known event type (see the eventTypes query)`);
  if (info.producedBy !== 'partner') throw new ValidationError('input.type', `input.type "${e.type}" is produced by Kabar itself and cannot be published`);
  if (Number.isNaN(e.occurredAt.getTime())) throw new ValidationError('input.occurredAt', 'input.occurredAt is not a valid date');
  const result = validateEventData(e.type, e.data);
  if (!result.ok) {
    const first = result.errors[0]!;
    const field = `input.data${first.path ? first.path.replace(/^\/?/, '.').replace(/\//g, '.') : ''}`;
    throw new ValidationError(field, `${field}: ${first.message}`);
  }
}
