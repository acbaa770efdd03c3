import type { DbHandle } from '../../src/db/db-client.js';
import { withTenant } from '../../src/db/tenant.js';
import { creditTransactions, deliveries, events } from '../../src/schema/index.js';

// The dashboard browser test's board: more than two pages of deliveries with known statuses,
// channels, reasons, costs, one booked event and one message that can be resent.

/** 120 deliveries: 101 from now (one resendable), 9 from 3 days ago, 10 from 10 days ago. Returns the resendable one's id. */
export async function seedOperatorBoard(db: DbHandle, tenantId: string): Promise<string> {
  const statuses = [
    'SENT',
    'SENT',
    'SENT',
    'SENT',
    'DELIVERED',
    'DELIVERED',
    'READ',
    'FAILED',
    'SKIPPED',
    'SKIPPED',
  ] as const;
  const channels = ['WHATSAPP', 'EMAIL', 'SMS', 'PUSH'] as const;
  const reasonOf = (status: string, i: number) =>
    status === 'SKIPPED'
      ? i % 20 < 10
        ? 'OPTED_OUT'
        : 'INSUFFICIENT_CREDIT'
      : status === 'FAILED'
        ? i % 20 < 10
          ? 'MISSING_VARIABLE: doctor.name'
          : 'attempt 2 failed (HTTP 500)'
        : null;
  const ago = (days: number) => new Date(Date.now() - days * 86_400_000);
  const rows = Array.from({ length: 119 }, (_, i) => {
    const status = statuses[i % 10]!;
    const booked = i >= 117;
    return {
      tenantId,
      eventId: booked ? 'evt-e2e-booked' : `evt-e2e-${i}`,
      eventType: booked ? 'appointment.confirmed' : 'report.ready',
      channel: channels[i % 4]!,
      recipient: `+62812555${String(i).padStart(4, '0')}`,
      recipientKind: 'patient',
      patientId: booked ? 'pat-booked' : `pat-${i}`,
      language: 'ID' as const,
      status,
      reason: reasonOf(status, i),
      renderedBody: 'Hasil lab Anda sudah siap.',
      createdAt: i < 10 ? ago(10) : i < 19 ? ago(3) : new Date(Date.now() - (119 - i) * 10), // ms apart: all on one day, even at midnight
    };
  });
  return withTenant({ db, actor: 'test', tenantId }, async (s) => {
    await s.tx.insert(events).values({
      tenantId,
      id: 'evt-e2e-booked',
      type: 'appointment.confirmed',
      occurredAt: new Date(),
      data: { appointment: { bookingReference: 'BK-E2E-1' } },
    });
    const ids = await s.tx
      .insert(deliveries)
      .values(rows)
      .returning({ id: deliveries.id, channel: deliveries.channel, status: deliveries.status });
    // WhatsApp charged 350.50 when sent; a failed one refunded.
    const ledger = ids.flatMap((d) =>
      d.channel !== 'WHATSAPP' || d.status === 'SKIPPED'
        ? []
        : [
            { tenantId, kind: 'DEBIT' as const, amount: '-350.50', balanceAfter: '0', deliveryId: d.id },
            ...(d.status === 'FAILED'
              ? [{ tenantId, kind: 'REFUND' as const, amount: '350.50', balanceAfter: '0', deliveryId: d.id }]
              : []),
          ],
    );
    await s.tx.insert(creditTransactions).values(ledger);
    // The newest: an SMS skipped while the patient had opted out, with its content, so it can be resent.
    const [r] = await s.tx
      .insert(deliveries)
      .values({
        tenantId,
        eventId: 'evt-e2e-resend',
        eventType: 'report.ready',
        channel: 'SMS',
        recipient: '+6281234500001',
        recipientKind: 'patient',
        patientId: 'pat-resend',
        language: 'ID',
        status: 'SKIPPED',
        reason: 'OPTED_OUT',
        renderedBody: 'Hasil lab Anda sudah siap.',
        content: { channel: 'SMS', body: 'Hasil lab Anda sudah siap.' },
      })
      .returning({ id: deliveries.id });
    return r!.id;
  });
}
