import { once } from 'node:events';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { App } from '../app.types.js';
import { authenticate } from './bearer-auth.js';
import { ErrorCode } from '../domain-errors.js';
import type { DeliveryFilter } from '../services/deliveries.service.js';
import {
  exportDeliveries,
  exportHeader,
  type ExportHeader,
  type ExportRow,
} from '../services/delivery-export.service.js';
import { csvLine, isoInZone } from './csv.js';

/**
 * GET /deliveries.csv?filter=<DeliveryFilter as JSON>: every delivery the filter matches, newest
 * first, as CSV streamed page by page (any size, flat memory). Same bearer token and roles as the
 * `deliveries` query (any role of the tenant); errors are JSON { error: { code, message } } with
 * 401 UNAUTHENTICATED, 403 FORBIDDEN or 400 BAD_USER_INPUT.
 */
const text = z.string().max(500).nullish();
const instant = z.iso.datetime({ offset: true }).nullish();
const filterSchema = z.strictObject({
  eventId: text,
  eventType: text,
  channel: z.enum(['WHATSAPP', 'EMAIL', 'SMS', 'PUSH']).nullish(),
  status: z.enum(['QUEUED', 'SENT', 'DELIVERED', 'READ', 'FAILED', 'SKIPPED']).nullish(),
  recipient: text,
  since: instant,
  until: instant,
  reason: text,
  patientId: text,
  search: text,
});

type Parsed = { ok: true; filter: DeliveryFilter } | { ok: false; field: string; message: string };

/** The `filter` query parameter: absent (everything) or one JSON object with DeliveryFilter's fields. */
export function parseExportFilter(raw: unknown): Parsed {
  if (raw === undefined || raw === '') return { ok: true, filter: {} };
  if (typeof raw !== 'string') return { ok: false, field: 'filter', message: 'Give filter once, as a JSON object' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, field: 'filter', message: 'filter is not valid JSON' };
  }
  const parsed = filterSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, field: ['filter', ...issue.path.map(String)].join('.'), message: issue.message };
  }
  const { since, until, ...rest } = parsed.data;
  return {
    ok: true,
    filter: { ...rest, since: since ? new Date(since) : null, until: until ? new Date(until) : null },
  };
}

/** The columns; the time column names the tenant's zone, so every time reads unambiguously. */
export const exportColumns = (h: ExportHeader) => [
  `time (${h.timezone})`,
  'event type',
  'event id',
  'patient id',
  'booking reference',
  'channel',
  'recipient',
  'status',
  'reason',
  'cost',
  'currency',
];

export const exportLine = (r: ExportRow, h: ExportHeader) =>
  csvLine([
    isoInZone(r.createdAt, h.timezone),
    r.eventType,
    r.eventId,
    r.patientId,
    r.bookingReference,
    r.channel,
    r.recipient,
    r.status,
    r.reason,
    r.cost,
    r.cost === null ? null : h.currency,
  ]);

export function exportRouter(app: App): Router {
  const router = Router();
  router.get('/', async (req: Request, res: Response) => {
    const fail = (status: number, code: ErrorCode, message: string, extra: Record<string, unknown> = {}) =>
      res.status(status).json({ error: { code, message, ...extra } });
    const caller = await authenticate(app, req);
    if ('problem' in caller) return res.status(caller.problem.status).json({ error: caller.problem.error });
    const { auth } = caller;
    if (!auth.tenantId)
      return fail(403, ErrorCode.FORBIDDEN, 'This token belongs to no tenant; exporting deliveries needs one');
    const parsed = parseExportFilter(req.query.filter);
    if (!parsed.ok) return fail(400, ErrorCode.BAD_USER_INPUT, parsed.message, { field: parsed.field });
    const ctx = { db: app.db, actor: auth.sub, tenantId: auth.tenantId };
    let header: ExportHeader;
    try {
      header = await exportHeader(ctx);
    } catch (err) {
      app.logger.error({ err }, 'CSV export failed');
      return fail(503, ErrorCode.SERVICE_UNAVAILABLE, 'Could not export; try again');
    }
    await stream(app, res, header, exportDeliveries(ctx, parsed.filter));
  });
  return router;
}

/** Writes page after page, waiting for the client to drain; stops when it goes away. */
async function stream(
  app: App,
  res: Response,
  header: ExportHeader,
  pages: AsyncGenerator<ExportRow[]>,
): Promise<void> {
  const day = new Date().toISOString().slice(0, 10);
  res.status(200).set({
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="deliveries-${day}.csv"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  let gone = false;
  res.on('close', () => void (gone = true));
  try {
    res.write(csvLine(exportColumns(header)));
    for await (const page of pages) {
      if (gone) break;
      if (!res.write(page.map((r) => exportLine(r, header)).join('')))
        await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    res.end();
  } catch (err) {
    // The status line is out: a broken download is all the client can be told.
    app.logger.error({ err }, 'CSV export failed while streaming');
    res.destroy(err as Error);
  }
}
