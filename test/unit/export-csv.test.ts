import { describe, expect, it } from 'vitest';
import { csvCell, csvLine, isoInZone } from '../../src/http/csv.js';
import { parseExportFilter } from '../../src/http/export.route.js';
import { reasonGroup } from '../../src/services/delivery-stats.service.js';
// The dashboard's own time-window code (a browser module with no DOM use).
import { offsetLabel, startOfDay, windowRange } from '../../src/dashboard/public/zone.js';

describe('CSV cells', () => {
  it('quotes what needs quoting and defuses formulas, but leaves phone numbers and amounts alone', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', null, 12.5])).toBe('a,"b,c","say ""hi""",,12.5\r\n');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('+1+cmd|calc')).toBe("'+1+cmd|calc");
    expect(csvCell('+6281234567890')).toBe('+6281234567890');
    expect(csvCell('-350.5')).toBe('-350.5');
  });
});

describe('times in a zone', () => {
  it('writes ISO 8601 with the zone offset of that instant', () => {
    const at = new Date('2026-12-03T17:30:05.042Z');
    expect(isoInZone(at, 'Asia/Jakarta')).toBe('2026-12-04T00:30:05.042+07:00');
    expect(isoInZone(at, 'UTC')).toBe('2026-12-03T17:30:05.042+00:00');
    expect(isoInZone(at, 'America/St_Johns')).toBe('2026-12-03T14:00:05.042-03:30');
    expect(isoInZone(new Date('2026-07-01T12:00:00Z'), 'Europe/Paris')).toBe('2026-07-01T14:00:00.000+02:00');
  });

  it("computes the dashboard's windows in the tenant's zone, not the browser's", () => {
    const now = Date.parse('2026-12-03T18:00:00Z'); // already 4 December in Jakarta
    expect(windowRange('today', 'Asia/Jakarta', {}, now)).toEqual({ since: '2026-12-03T17:00:00.000Z', until: null });
    expect(windowRange('7d', 'Asia/Jakarta', {}, now)).toEqual({ since: '2026-11-27T17:00:00.000Z', until: null });
    expect(windowRange('custom', 'Asia/Jakarta', { from: '2026-12-01', to: '2026-12-02' }, now)).toEqual({
      since: '2026-11-30T17:00:00.000Z',
      until: '2026-12-02T16:59:59.999Z',
    });
    expect(windowRange('all', 'Asia/Jakarta', {}, now)).toEqual({ since: null, until: null });
    // A day that starts on a DST change (Paris, 29 March 2026: 23 hours long).
    expect(startOfDay(2026, 3, 29, 'Europe/Paris').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfDay(2026, 3, 30, 'Europe/Paris').toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(offsetLabel('Asia/Jakarta')).toBe('UTC+07:00');
  });
});

describe('export filter and reason groups', () => {
  it('reads the filter parameter as a DeliveryFilter, naming the wrong field', () => {
    expect(parseExportFilter(undefined)).toEqual({ ok: true, filter: {} });
    expect(parseExportFilter('{"status":"SKIPPED","since":"2026-12-03T00:00:00+07:00"}')).toEqual({
      ok: true,
      filter: { status: 'SKIPPED', since: new Date('2026-12-02T17:00:00Z'), until: null },
    });
    expect(parseExportFilter('{"channel":"FAX"}')).toMatchObject({ ok: false, field: 'filter.channel' });
    expect(parseExportFilter(['{}', '{}'])).toMatchObject({ ok: false, field: 'filter' });
    expect(parseExportFilter('[')).toMatchObject({ ok: false, field: 'filter' });
  });

  it('groups a reason by its leading code', () => {
    expect(reasonGroup('OPTED_OUT')).toBe('OPTED_OUT');
    expect(reasonGroup('MISSING_VARIABLE: patient.name, doctor.name')).toBe('MISSING_VARIABLE');
    expect(reasonGroup('QUIET_HOURS: held until 2026-12-04T00:00:00.000Z')).toBe('QUIET_HOURS');
    expect(reasonGroup('attempt 2 failed (HTTP 500)')).toBe('attempt 2 failed');
  });
});
