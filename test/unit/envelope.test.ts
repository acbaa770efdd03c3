import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain-errors.js';
import { checkEvent, decodeEnvelope, validateEvent, type EventEnvelope } from '../../src/events/envelope.js';
import { sampleEvent } from '../helpers/events.js';

const tenant = '5b7e3f0a-1111-4222-8333-444455556666';

/** The same event through the wire (Kafka, POST /events) and through publishEvent. */
function both(e: EventEnvelope): { wire: string | null; graphql: { field: string; message: string } | null } {
  const value = Buffer.from(JSON.stringify({ ...e, occurredAt: e.occurredAt.toISOString(), tenantId: tenant }));
  const decoded = decodeEnvelope(value, {}, tenant);
  let graphql: { field: string; message: string } | null = null;
  try {
    validateEvent(e);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    graphql = { field: err.field, message: err.message };
  }
  return { wire: decoded.ok ? null : decoded.reason, graphql };
}

describe('one envelope check for every entry', () => {
  const base = (): EventEnvelope => {
    const s = sampleEvent('report.ready');
    return { id: s.id, type: s.type, occurredAt: new Date(s.occurredAt), data: s.data };
  };

  it('accepts a valid event on every entry and hands the same event on', () => {
    const e = base();
    const checked = checkEvent(e);
    expect(checked).toEqual({ ok: true, event: e });
    expect(both(e)).toEqual({ wire: null, graphql: null });
  });

  it('refuses the same faults on the wire and in publishEvent, each worded for its entry', () => {
    expect(both({ ...base(), type: 'report.exploded' })).toEqual({
      wire: 'UNKNOWN_TYPE: report.exploded',
      graphql: {
        field: 'input.type',
        message: 'input.type "report.exploded" is not a known event type (see the eventTypes query)',
      },
    });
    expect(both({ ...base(), type: 'credit.insufficient' })).toEqual({
      wire: 'RESERVED_TYPE: credit.insufficient is produced by Kabar itself',
      graphql: {
        field: 'input.type',
        message: 'input.type "credit.insufficient" is produced by Kabar itself and cannot be published',
      },
    });
    const nul = both({ ...base(), id: 'evt-\u0000' });
    expect(nul.wire).toBe('INVALID_ENVELOPE: id contains NUL (U+0000), which cannot be stored');
    expect(nul.graphql).toEqual({
      field: 'input.id',
      message: 'input.id contains NUL (U+0000), which cannot be stored',
    });
    const late = both({ ...base(), occurredAt: new Date('9999-06-01T00:00:00Z') });
    expect(late.wire).toMatch(/^INVALID_ENVELOPE: occurredAt 9999-06-01T00:00:00\.000Z is out of range/);
    expect(late.graphql?.field).toBe('input.occurredAt');
  });

  it('names the first invalid data field for GraphQL and up to five for the wire', () => {
    const e = { ...base(), data: {} };
    const r = both(e);
    expect(r.wire).toMatch(/^INVALID_DATA: \/patient must have required property/);
    expect(r.graphql?.field).toBe('input.data.patient');
  });
});
