import { eq } from 'drizzle-orm';
import { eventChannelSettings } from '../schema/index.js';
import { ValidationError } from '../domain-errors.js';
import type { TenantScope } from '../db/tenant.js';
import { eventTypeInfo, notifyingEventTypes } from '../events/catalogue.js';
import { audit } from './audit.service.js';

type Row = typeof eventChannelSettings.$inferSelect;
export type ChannelName = Row['channels'][number];
export interface EventChannelView {
  eventType: string;
  channels: ChannelName[];
  enabled: boolean;
}

const defaults = (eventType: string): EventChannelView => ({
  eventType,
  channels: [...(eventTypeInfo(eventType)?.defaultChannels ?? [])] as ChannelName[],
  enabled: true,
});

/** Every event type that sends messages, with the tenant's override or the mission's default. */
export async function listEventChannels(scope: TenantScope): Promise<EventChannelView[]> {
  const rows = await scope.tx.select().from(eventChannelSettings);
  const byType = new Map(rows.map((r) => [r.eventType, r]));
  return notifyingEventTypes().map((t) => {
    const r = byType.get(t);
    return r ? { eventType: t, channels: r.channels, enabled: r.enabled } : defaults(t);
  });
}

/** What dispatch reads: every event type's setting, by type (one query). */
export async function eventChannelsByType(scope: TenantScope): Promise<Map<string, EventChannelView>> {
  return new Map((await listEventChannels(scope)).map((v) => [v.eventType, v]));
}

export async function eventChannelsFor(scope: TenantScope, eventType: string): Promise<EventChannelView> {
  const [r] = await scope.tx.select().from(eventChannelSettings).where(eq(eventChannelSettings.eventType, eventType));
  return r ? { eventType, channels: r.channels, enabled: r.enabled } : defaults(eventType);
}

export async function setEventChannels(
  scope: TenantScope,
  eventType: string,
  channels: ChannelName[],
  enabled?: boolean | null,
): Promise<EventChannelView> {
  if (!notifyingEventTypes().includes(eventType)) {
    throw new ValidationError(
      'eventType',
      `eventType must be a known event type that sends messages; "${eventType}" is not`,
    );
  }
  const previous = await eventChannelsFor(scope, eventType);
  const values = { channels: [...new Set(channels)], enabled: enabled ?? true, updatedAt: new Date() };
  await scope.tx
    .insert(eventChannelSettings)
    .values({ tenantId: scope.tenantId, eventType, ...values })
    .onConflictDoUpdate({ target: [eventChannelSettings.tenantId, eventChannelSettings.eventType], set: values });
  await audit(scope, {
    action: 'config.event_channels.set',
    entityType: 'event_channel_setting',
    entityId: eventType,
    details: {
      from: { channels: previous.channels, enabled: previous.enabled },
      to: { channels: values.channels, enabled: values.enabled },
    },
  });
  return { eventType, channels: values.channels, enabled: values.enabled };
}
