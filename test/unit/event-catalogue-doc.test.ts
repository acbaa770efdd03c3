import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/events/catalogue.js';
import { eventFields, renderEventCatalogue } from '../../src/events/catalogue-doc.js';

describe('docs/events.md', () => {
  it('is the output of `npm run docs:events` (regenerate it after changing the catalogue or a schema)', () => {
    const committed = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
    expect(committed === renderEventCatalogue(), 'docs/events.md is out of date: run `npm run docs:events`').toBe(true);
  });

  it('has a section for every event type', () => {
    const text = renderEventCatalogue();
    for (const e of EVENT_TYPES) expect(text).toContain(`\n## ${e.type}\n`);
  });

  it('flattens references, allOf and arrays into dotted paths with their required flags', () => {
    const called = Object.fromEntries(eventFields('walkin.token_called').map((r) => [r.path, r]));
    expect(called['walkIn.room']).toMatchObject({ required: true, type: 'string' }); // allOf adds "room" to walkIn's required
    expect(called['walkIn.tokenNumber']!.type).toBe('string or integer');
    expect(called['patient.phone']).toMatchObject({
      required: false,
      description: expect.stringContaining("national in the tenant's country"),
    });
    const leave = Object.fromEntries(eventFields('doctor.emergency_leave').map((r) => [r.path, r]));
    expect(leave.affected).toMatchObject({
      required: true,
      type: 'array of objects',
      description: 'at least 1 item',
    });
    expect(leave['affected[].rescheduleUrl']).toMatchObject({ required: true, type: 'string (uri)' });
    expect(leave['affected[].refund.paymentStatus']!.type).toBe(
      '`"paid"` or `"unpaid"` or `"not_required"` or `"refunded"`',
    );
  });
});
