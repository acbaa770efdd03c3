import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startKabar, type TestKabar, type TestTenant } from '../helpers/app.js';
import { sampleData, sampleEvent } from '../helpers/events.js';

const PUBLISH = 'mutation($input: EventInput!) { publishEvent(input: $input) { accepted } }';
const SET = 'mutation($k: String!, $v: String!) { setReferenceData(key: $k, value: $v) { key } }';

/**
 * The README's reminder promises, with a clock the test moves: the end of an appointment cancels
 * its pending reminders, each tenant's offsets and walk-in threshold apply to that tenant only,
 * and two schedulers never fire one reminder twice. The scheduler loops are off: ticks are ours.
 * Slots sit 8 hours ahead, clear of the other files' reminders (which sit at +24 h and beyond).
 */
describe('reminders', () => {
  let k: TestKabar;
  let second: TestKabar;
  const start = Date.now() + 8 * 3_600_000;
  let clock = Date.now();
  const at = (m: number) => start + m * 60_000;
  const iso = (m: number) => new Date(at(m)).toISOString();

  beforeAll(async () => {
    k = await startKabar({ now: () => new Date(clock), loops: false });
    // A second scheduler process on the same database, with the same clock.
    second = await startKabar({ now: () => new Date(clock), loops: false, roles: ['scheduler'] });
  });
  afterAll(async () => {
    await second.stop();
    await k.stop();
  });

  async function publish(t: TestTenant, type: string, data: Record<string, unknown>): Promise<string> {
    const input = { ...sampleEvent(type), data };
    const res = await k.gql(t.service, PUBLISH, { input });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return input.id;
  }
  const count = async (t: TestTenant, filter: string) =>
    (await k.gql(t.admin, `query { deliveries(filter: { ${filter} }) { totalCount } }`)).data.deliveries
      .totalCount as number;
  /** Every event type here has at least one delivery row (sent or skipped) once it is handled. */
  const handled = (t: TestTenant, id: string) =>
    eventually(async () => expect(await count(t, `eventId: "${id}"`)).toBeGreaterThan(0));
  /** The reminders sent to a tenant, as "appointmentId:offset" (one email each). */
  const reminders = async (t: TestTenant) => {
    const res = await k.gql(
      t.admin,
      'query { deliveries(first: 100, filter: { eventType: "appointment.reminder", channel: EMAIL }) { edges { node { eventId } } } }',
    );
    return res.data.deliveries.edges
      .map((e: any) => e.node.eventId.split(':').slice(1, 3).join(':'))
      .sort() as string[];
  };
  const confirmed = (slotMinutes: number) => {
    const data = sampleData('appointment.confirmed', { language: 'en' });
    (data.appointment as any).slotStart = iso(slotMinutes);
    return data;
  };
  const pause = (ms = 500) => new Promise((r) => setTimeout(r, ms));

  it('rejection, no-show and completion cancel the pending reminders; only the untouched appointment is reminded', async () => {
    const t = await k.newTenant();
    clock = at(0);
    const ends = ['appointment.rejected', 'appointment.no_show', 'appointment.completed'];
    const ended = ends.map(() => confirmed(150));
    const kept = confirmed(150);
    for (const data of [...ended, kept]) await handled(t, await publish(t, 'appointment.confirmed', data));
    for (const [i, type] of ends.entries()) {
      const data = { ...sampleData(type), appointment: ended[i]!.appointment, patient: ended[i]!.patient };
      await handled(t, await publish(t, type, data));
    }
    clock = at(140); // both reminders of each appointment (2 h and 30 min before) are due
    const fired = (await k.runtime.scheduler.tick()) + (await k.runtime.scheduler.tick());
    expect(fired).toBe(2);
    const id = (kept.appointment as any).id;
    expect(await reminders(t)).toEqual([`${id}:120`, `${id}:30`]);
    await pause();
    expect(await k.runtime.scheduler.tick()).toBe(0);
    expect(await reminders(t)).toHaveLength(2);
  });

  it("each tenant's Reminder_Offsets_Minutes schedules its own reminders; another tenant keeps the default", async () => {
    const custom = await k.newTenant();
    const plain = await k.newTenant();
    expect((await k.gql(custom.admin, SET, { k: 'Reminder_Offsets_Minutes', v: '45,10' })).errors).toBeUndefined();
    clock = at(200);
    const a = confirmed(300);
    const b = confirmed(300);
    await handled(custom, await publish(custom, 'appointment.confirmed', a));
    await handled(plain, await publish(plain, 'appointment.confirmed', b));
    const [ida, idb] = [(a.appointment as any).id, (b.appointment as any).id];
    // The default 24 h is past; the default 2 h (due at 180) is past too; 30 min is due at 270.
    clock = at(256); // the custom 45-minute reminder is due at 255
    expect(await k.runtime.scheduler.tick()).toBe(1);
    expect(await reminders(custom)).toEqual([`${ida}:45`]);
    expect(await reminders(plain)).toEqual([]);
    clock = at(271);
    expect(await k.runtime.scheduler.tick()).toBe(1);
    expect(await reminders(plain)).toEqual([`${idb}:30`]);
    clock = at(291);
    expect(await k.runtime.scheduler.tick()).toBe(1);
    expect(await reminders(custom)).toEqual([`${ida}:10`, `${ida}:45`]);
    expect(await reminders(plain)).toEqual([`${idb}:30`]);
  });

  it("each tenant's Walkin_Approaching_Threshold decides when the alert fires; another tenant keeps 3", async () => {
    const five = await k.newTenant();
    const plain = await k.newTenant();
    expect((await k.gql(five.admin, SET, { k: 'Walkin_Approaching_Threshold', v: '5' })).errors).toBeUndefined();
    const queue = (position: number, data: Record<string, unknown>) => ({
      ...data,
      walkIn: { ...(data.walkIn as any), position },
    });
    const alerts = (t: TestTenant) => count(t, 'eventType: "walkin.approaching_turn"');
    const a = sampleData('walkin.queue_updated', { pushTokens: ['dev-a'] });
    const b = sampleData('walkin.queue_updated', { pushTokens: ['dev-b'] });
    await publish(five, 'walkin.queue_updated', queue(6, a));
    await publish(five, 'walkin.queue_updated', queue(5, a));
    await publish(plain, 'walkin.queue_updated', queue(5, b));
    await publish(plain, 'walkin.queue_updated', queue(4, b));
    // Position 5 reaches the threshold 5: an SMS and a push, once.
    await eventually(async () => expect(await alerts(five)).toBe(2));
    await pause();
    expect(await alerts(five)).toBe(2);
    expect(await alerts(plain)).toBe(0);
    await publish(plain, 'walkin.queue_updated', queue(3, b));
    await eventually(async () => expect(await alerts(plain)).toBe(2));
    await pause();
    expect([await alerts(five), await alerts(plain)]).toEqual([2, 2]);
  });

  it('two schedulers ticking at once fire each due reminder exactly once', async () => {
    const t = await k.newTenant();
    clock = at(400);
    const appointments = Array.from({ length: 15 }, () => confirmed(600));
    for (const data of appointments) await handled(t, await publish(t, 'appointment.confirmed', data));
    clock = at(590); // 2 h and 30 min reminders of all 15: 30 due
    const ticks = await Promise.all([0, 1, 2, 3].map((i) => (i % 2 ? second : k).runtime.scheduler.tick()));
    const more = await Promise.all([k.runtime.scheduler.tick(), second.runtime.scheduler.tick()]);
    expect([...ticks, ...more].reduce((a, b) => a + b, 0)).toBe(30);
    const expected = appointments
      .flatMap((d) => [`${(d.appointment as any).id}:120`, `${(d.appointment as any).id}:30`])
      .sort();
    await eventually(async () => expect(await reminders(t)).toEqual(expected));
    await pause();
    expect(await Promise.all([k.runtime.scheduler.tick(), second.runtime.scheduler.tick()])).toEqual([0, 0]);
    expect(await reminders(t)).toEqual(expected);
  });
});
