import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { sampleData, sampleEvent } from '../helpers/events.js';

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';

/** Reminders and approaching-turn alerts, with a clock the test controls. */
describe('scheduling', () => {
  let k: TestKabar;
  let t: TestTenant;
  const start = Date.now();
  let clock = start;
  const minutes = (m: number) => start + m * 60_000;

  beforeAll(async () => {
    k = await startKabar({ now: () => new Date(clock), loops: false });
    t = await k.newTenant();
  });
  afterAll(async () => k.stop());

  async function publish(type: string, data: Record<string, unknown>) {
    const input = { ...sampleEvent(type), data };
    const res = await k.gql(t.service, PUBLISH, { input });
    expect(res.errors).toBeUndefined();
    return input.id;
  }
  const reminders = async () =>
    (
      await k.gql(
        t.admin,
        'query { deliveries(first: 100, filter: { eventType: "appointment.reminder", channel: EMAIL }) { edges { node { eventId renderedBody } } } }',
      )
    ).data.deliveries.edges.map((e: any) => e.node);
  const settle = () => new Promise((r) => setTimeout(r, 300));
  // An event is handled once its deliveries exist (they commit with its scheduling effects).
  const handled = (eventId: string) =>
    eventually(async () =>
      expect(
        (await k.gql(t.admin, `query { deliveries(filter: { eventId: "${eventId}" }) { totalCount } }`)).data.deliveries
          .totalCount,
      ).toBeGreaterThan(0),
    );

  it('confirmation schedules reminders (past offsets skipped), rescheduling moves them, cancellation cancels them', async () => {
    const data = sampleData('appointment.confirmed', { language: 'en' });
    (data.appointment as any).slotStart = new Date(minutes(150)).toISOString();
    const confirmed = await publish('appointment.confirmed', data);
    await eventually(async () =>
      expect(
        (await k.gql(t.admin, `query { deliveries(filter: { eventId: "${confirmed}" }) { totalCount } }`)).data
          .deliveries.totalCount,
      ).toBe(2),
    );

    clock = minutes(20);
    expect(await k.runtime.scheduler.tick()).toBe(0);
    clock = minutes(31); // the 2-hour reminder is due (the 24-hour one was already past: skipped)
    expect(await k.runtime.scheduler.tick()).toBe(1);
    expect(await k.runtime.scheduler.tick()).toBe(0); // fired once
    const first = await reminders();
    expect(first).toHaveLength(1);
    expect(first[0].eventId).toMatch(/^appointment\.reminder:.*:120:/);
    expect(first[0].renderedBody).toContain('2 hours');

    // Moved to a later slot: the 30-minute reminder moves, the 2-hour one is armed again for the new slot.
    const moved = {
      ...data,
      appointment: { ...(data.appointment as any), slotStart: new Date(minutes(300)).toISOString() },
      previousSlotStart: (data.appointment as any).slotStart,
    };
    await handled(await publish('appointment.rescheduled', moved));
    clock = minutes(150);
    expect(await k.runtime.scheduler.tick()).toBe(0); // the old 30-minute time has passed with nothing due
    clock = minutes(181);
    expect(await k.runtime.scheduler.tick()).toBe(1);

    await handled(await publish('appointment.cancelled', { ...moved, cancelledBy: 'patient' }));
    clock = minutes(280);
    expect(await k.runtime.scheduler.tick()).toBe(0); // the 30-minute reminder was cancelled
    expect(await reminders()).toHaveLength(2);
  });

  it('walkin.approaching_turn fires once per token when the position reaches the threshold', async () => {
    const data = sampleData('walkin.queue_updated', { pushTokens: ['dev-1'] });
    const at = (position: number) => ({ ...data, walkIn: { ...(data.walkIn as any), position } });
    for (const position of [6, 4, 3, 2, 1]) await publish('walkin.queue_updated', at(position));
    await eventually(async () => {
      const res = await k.gql(
        t.admin,
        'query { deliveries(filter: { eventType: "walkin.approaching_turn" }) { edges { node { channel status renderedBody } } } }',
      );
      const rows = res.data.deliveries.edges.map((e: any) => e.node);
      expect(rows.map((r: any) => r.channel).sort()).toEqual(['PUSH', 'SMS']);
      expect(rows.every((r: any) => r.status === 'SENT')).toBe(true);
    });
    await settle();
    const res = await k.gql(
      t.admin,
      'query { deliveries(filter: { eventType: "walkin.approaching_turn" }) { totalCount } }',
    );
    expect(res.data.deliveries.totalCount).toBe(2);
    // The queue update itself sends nothing.
    expect(
      (await k.gql(t.admin, 'query { deliveries(filter: { eventType: "walkin.queue_updated" }) { totalCount } }')).data
        .deliveries.totalCount,
    ).toBe(0);
  });
});
