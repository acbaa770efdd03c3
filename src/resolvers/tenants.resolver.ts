import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inPlatform, inTenant, type GqlContext } from '../graphql/context.js';
import { createTenant, getTenant, listTenants } from '../services/tenants.service.js';
import { Language, Node } from './common.types.js';

@ObjectType({
  implements: Node,
  description: 'A hospital or clinic group using Kabar. Every other record belongs to exactly one tenant.',
})
export class Tenant implements Node {
  @Field(() => ID, { description: 'The tenant id (UUID); tokens carry it as tenant_id.' }) id!: string;
  @Field(() => String, { description: 'Display name, e.g. "RS Sehat Sentosa".' }) name!: string;
  @Field(() => String, {
    description: 'ISO 3166-1 alpha-2, e.g. "ID": national phone numbers are read in this country.',
  })
  country!: string;
  @Field(() => String, { description: 'ISO 4217, e.g. "IDR": the currency of its WhatsApp credit and costs.' })
  currency!: string;
  @Field(() => Language, { description: 'The language used when a recipient has none.' }) defaultLanguage!: Language;
  @Field(() => String, {
    description: 'IANA time zone, e.g. "Asia/Jakarta": quiet hours, reminders and the dashboard\'s days use it.',
  })
  timezone!: string;
  @Field(() => Date, { description: 'When it was created (ISO 8601).' }) createdAt!: Date;
}

@InputType({ description: 'A new tenant.' })
export class CreateTenantInput {
  @Field(() => String, { description: 'Display name, 1 to 200 characters.' }) name!: string;
  @Field(() => String, { description: 'ISO 3166-1 alpha-2, e.g. "ID".' }) country!: string;
  @Field(() => String, { description: 'ISO 4217, e.g. "IDR".' }) currency!: string;
  @Field(() => Language, { description: 'The language used when a recipient has none.' }) defaultLanguage!: Language;
  @Field(() => String, { description: 'IANA time zone, e.g. "Asia/Jakarta".' }) timezone!: string;
}

@Authorized()
@Resolver()
export class TenantResolver {
  @Query(() => Tenant, { description: "The caller's tenant. Any role of the tenant." })
  tenant(@Ctx() ctx: GqlContext) {
    return inTenant(ctx, getTenant);
  }

  @Authorized('PLATFORM_ADMIN')
  @Query(() => [Tenant], { description: 'Every tenant. PLATFORM_ADMIN only.' })
  tenants(@Ctx() ctx: GqlContext) {
    return inPlatform(ctx, listTenants);
  }

  @Authorized('PLATFORM_ADMIN')
  @Mutation(() => Tenant, { description: 'Creates a tenant; audited. PLATFORM_ADMIN only.' })
  createTenant(
    @Arg('input', () => CreateTenantInput, { description: 'The new tenant.' }) input: CreateTenantInput,
    @Ctx() ctx: GqlContext,
  ) {
    return inPlatform(ctx, (s) => createTenant(s, input));
  }
}
