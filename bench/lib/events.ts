import { validateEventData } from '../../src/events/catalogue.js';
import { seededRandom } from '../../test/fakes/server.js';
import { sampleData } from '../../test/helpers/events.js';

// The benchmark's event stream: a realistic mix of patient and staff events over many tenants,
// built on the tests' sample data (test/helpers/events.ts) with unique patients, contacts and
// a language mix. Seeded, so two runs produce the same mix.

export const MIX: [type: string, weight: number][] = [
  ['appointment.confirmed', 18],
  ['appointment.pending_approval', 3],
  ['appointment.rejected', 1],
  ['appointment.cancelled', 4],
  ['appointment.rescheduled', 4],
  ['appointment.completed', 10],
  ['appointment.no_show', 2],
  ['walkin.token_called', 10],
  ['walkin.queue_updated', 10], // no message itself; positions 1-3 derive walkin.approaching_turn
  ['prescription.ready', 8],
  ['report.ready', 8],
  ['patient.registered', 5],
  ['doctor.emergency_leave', 0.5],
  ['billing.bill_generated', 6],
  ['billing.refund_processed', 2],
  ['billing.deposit_received', 2],
  ['package.purchased', 1], // no default department: recorded as SKIPPED NO_RECIPIENT
  ['package.redeemed', 1],
  ['lab.test_requested', 4.5],
];

export interface BenchEvent {
  id: string;
  tenantIdx: number;
  tenantId: string;
  type: string;
  /** The Kafka value: Kabar's plain envelope. */
  value: string;
}

export interface Generator {
  next(phase: string): BenchEvent;
}

export function eventGenerator(tenantIds: string[], seed = 42): Generator {
  const random = seededRandom(seed);
  const total = MIX.reduce((a, [, w]) => a + w, 0);
  const pick = () => {
    let r = random() * total;
    for (const [type, w] of MIX) if ((r -= w) < 0) return type;
    return MIX[0]![0];
  };
  let n = 0;
  return {
    next(phase) {
      const seq = ++n;
      const type = pick();
      const tenantIdx = Math.floor(random() * tenantIds.length);
      const tenantId = tenantIds[tenantIdx]!;
      const r = random();
      const language = r < 0.7 ? 'id' : r < 0.95 ? 'en' : 'fr';
      const phone = `+62812${String(1_000_000 + Math.floor(random() * 8_999_999))}`;
      const pushTokens = random() < 0.6 ? [`fcm-token-${seq}-${Math.floor(random() * 1e9).toString(36)}`] : undefined;
      const data = sampleData(type, {
        phone,
        email: `pasien${seq}@example.id`,
        language,
        ...(pushTokens ? { pushTokens } : {}),
      }) as Record<string, any>;
      if (data.patient) {
        data.patient.id = `p-${seq}`;
        data.patient.name = `Pasien ${seq}`;
      }
      if (data.appointment) {
        data.appointment.id = `a-${seq}`;
        data.appointment.bookingReference = `BK-${seq}`;
        const days = 1 + Math.floor(random() * 14);
        data.appointment.slotStart = new Date(Date.now() + days * 86_400_000)
          .toISOString()
          .replace(/\.\d+Z$/, '+00:00');
      }
      if (type === 'walkin.queue_updated' || type === 'walkin.token_called') {
        data.walkIn.tokenNumber = `A-${seq}`;
        if (type === 'walkin.queue_updated') data.walkIn.position = Math.floor(random() * 9);
      }
      const id = `${phase}-t${tenantIdx}-${seq}`;
      const value = JSON.stringify({ id, type, tenantId, occurredAt: new Date().toISOString(), data });
      return { id, tenantIdx, tenantId, type, value };
    },
  };
}

/** Every generated event must pass Kabar's own validation, or it would silently go to the DLQ. */
export function checkValid(e: BenchEvent): void {
  const data = JSON.parse(e.value).data;
  const v = validateEventData(e.type, data);
  if (!v.ok) throw new Error(`generated ${e.type} is invalid: ${JSON.stringify(v.errors)}`);
}
