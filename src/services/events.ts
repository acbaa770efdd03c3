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
  // Every invalid field of the data, each named as in the operation (input.data.patient.phone).
  if (!result.ok) throw new ValidationError(result.errors.map(({ path, message }) => dataProblem(path, message)));
}

/** A problem of the event's data at a JSON pointer ("/patient/phone"), as a field of publishEvent's input. */
export function dataProblem(pointer: string, message: string): { path: string; message: string } {
  const field = `input.data${pointer && pointer !== '/' ? pointer.replace(/^\/?/, '.').replace(/\//g, '.') : ''}`;
  return { path: field, message: `${field}: ${message}` };
}
