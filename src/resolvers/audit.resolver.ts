import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Authorized, Ctx, Field, ID, InputType, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { inPlatform, inTenant, isPlatformAdmin, type GqlContext } from '../graphql/context.js';
import { listAudit } from '../services/audit.service.js';
import { pageArgs } from '../services/pagination.service.js';
import { Node, pageLimits } from './common.types.js';
import { Connection } from './connection.types.js';

@ObjectType({
  implements: Node,
  description: 'One recorded change: who did what to which record, and when. Append-only.',
})
export class AuditEntry implements Node {
  @Field(() => ID, { description: 'The entry id.' }) id!: string;
  @Field(() => Date, { description: 'When it happened.' }) at!: Date;
  @Field(() => String, { description: 'JWT subject or "system"' }) actor!: string;
  @Field(() => String, { description: 'What was done, e.g. "template.upsert", "delivery.resend", "credit.debit".' })
  action!: string;
  @Field(() => String, { description: 'The kind of record changed, e.g. "template", "delivery".' }) entityType!: string;
  @Field(() => String, { nullable: true, description: 'The record changed, when it has an id.' }) entityId!:
    | string
    | null;
  @Field(() => GraphQLJSON, { description: 'What changed, as JSON (secrets are never recorded).' }) details!: unknown;
  @Field(() => ID, { nullable: true, description: 'Null for platform-wide changes such as pricing' }) tenantId!:
    | string
    | null;
}

@ObjectType({ description: 'A page of audit entries, newest first.' })
export class AuditEntryConnection extends Connection(AuditEntry, {
  one: 'audit entry',
  item: 'entry',
  items: 'entries',
}) {}

@InputType({ description: 'Which audit entries to list; every field given must match.' })
export class AuditFilter {
  @Field(() => String, { nullable: true, description: 'Exact action, e.g. "delivery.resend".' }) action?: string | null;
  @Field(() => String, { nullable: true, description: 'Exact entity type, e.g. "delivery".' }) entityType?:
    | string
    | null;
  @Field(() => String, { nullable: true, description: 'Exact entity id.' }) entityId?: string | null;
  @Field(() => Date, { nullable: true, description: 'At or after this instant (ISO 8601).' }) since?: Date | null;
  @Field(() => Date, { nullable: true, description: 'At or before this instant (ISO 8601).' }) until?: Date | null;
}

@Authorized()
@Resolver()
export class AuditResolver {
  @Authorized('TENANT_ADMIN', 'SUPPORT', 'PLATFORM_ADMIN')
  @Query(() => AuditEntryConnection, {
    description:
      "The audit log, newest first: the tenant's (TENANT_ADMIN, SUPPORT), or any tenant's and the platform's (PLATFORM_ADMIN).",
  })
  async auditLog(
    @Ctx() ctx: GqlContext,
    @Arg('filter', () => AuditFilter, { nullable: true, description: 'Which entries; omitted = all.' })
    filter?: AuditFilter | null,
    @Arg('first', () => Int, {
      nullable: true,
      description:
        'Page size: at most KABAR_MAX_PAGE_SIZE (default 100); omitted = KABAR_DEFAULT_PAGE_SIZE (default 20).',
    })
    first?: number | null,
    @Arg('after', () => String, {
      nullable: true,
      description: "The previous page's pageInfo.endCursor; omitted = the first page.",
    })
    after?: string | null,
    @Arg('tenantId', () => ID, {
      nullable: true,
      description: 'PLATFORM_ADMIN only: one tenant; omitted by a platform admin = every entry',
    })
    tenantId?: string | null,
  ) {
    const args = pageArgs(first, after, pageLimits(ctx.app.config));
    const page = isPlatformAdmin(ctx)
      ? await inPlatform(ctx, (s) => listAudit(s, filter ?? {}, args, tenantId ?? undefined))
      : await inTenant(ctx, (s) => listAudit(s, filter ?? {}, args), tenantId);
    return { edges: page.items, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
  }
}
