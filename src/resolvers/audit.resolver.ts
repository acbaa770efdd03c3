import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Authorized, Ctx, Field, ID, InputType, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { inPlatform, inTenant, isPlatformAdmin, type GqlContext } from '../graphql/context.js';
import { listAudit } from '../services/audit.js';
import { pageArgs } from '../services/pagination.js';
import { Node, PageInfo, pageLimits } from './common.types.js';

@ObjectType({ implements: Node })
export class AuditEntry implements Node {
  @Field(() => ID) id!: string;
  @Field(() => Date) at!: Date;
  @Field(() => String, { description: 'JWT subject or "system"' }) actor!: string;
  @Field(() => String) action!: string;
  @Field(() => String) entityType!: string;
  @Field(() => String, { nullable: true }) entityId!: string | null;
  @Field(() => GraphQLJSON) details!: unknown;
  @Field(() => ID, { nullable: true, description: 'Null for platform-wide changes such as pricing' }) tenantId!: string | null;
}

@ObjectType()
export class AuditEntryEdge {
  @Field(() => String) cursor!: string;
  @Field(() => AuditEntry) node!: AuditEntry;
}

@ObjectType()
export class AuditEntryConnection {
  @Field(() => [AuditEntryEdge]) edges!: AuditEntryEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@InputType()
export class AuditFilter {
  @Field(() => String, { nullable: true }) action?: string | null;
  @Field(() => String, { nullable: true }) entityType?: string | null;
  @Field(() => String, { nullable: true }) entityId?: string | null;
  @Field(() => Date, { nullable: true }) since?: Date | null;
  @Field(() => Date, { nullable: true }) until?: Date | null;
}

@Authorized()
@Resolver()
export class AuditResolver {
  @Authorized('TENANT_ADMIN', 'SUPPORT', 'PLATFORM_ADMIN')
  @Query(() => AuditEntryConnection)
  async auditLog(
    @Ctx() ctx: GqlContext,
    @Arg('filter', () => AuditFilter, { nullable: true }) filter?: AuditFilter | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('tenantId', () => ID, { nullable: true, description: 'PLATFORM_ADMIN only: one tenant; omitted by a platform admin = every entry' }) tenantId?: string | null,
  ) {
    const args = pageArgs(first, after, pageLimits(ctx.app.config));
    const page = isPlatformAdmin(ctx)
      ? await inPlatform(ctx, (s) => listAudit(s, filter ?? {}, args, tenantId ?? undefined))
      : await inTenant(ctx, (s) => listAudit(s, filter ?? {}, args), tenantId);
    return { edges: page.items, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
  }
}
