import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inPlatform, inTenant, type GqlContext } from '../graphql/context.js';
import { createTenant, getTenant, listTenants } from '../services/tenants.js';
import { Language, Node } from './common.types.js';

@ObjectType({ implements: Node })
export class Tenant implements Node {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String) country!: string;
  @Field(() => String) currency!: string;
  @Field(() => Language) defaultLanguage!: Language;
  @Field(() => String) timezone!: string;
  @Field(() => Date) createdAt!: Date;
}

@InputType()
export class CreateTenantInput {
  @Field(() => String) name!: string;
  @Field(() => String) country!: string;
  @Field(() => String) currency!: string;
  @Field(() => Language) defaultLanguage!: Language;
  @Field(() => String) timezone!: string;
}

@Authorized()
@Resolver()
export class TenantResolver {
  @Query(() => Tenant)
  tenant(@Ctx() ctx: GqlContext) {
    return inTenant(ctx, getTenant);
  }

  @Authorized('PLATFORM_ADMIN')
  @Query(() => [Tenant])
  tenants(@Ctx() ctx: GqlContext) {
    return inPlatform(ctx, listTenants);
  }

  @Authorized('PLATFORM_ADMIN')
  @Mutation(() => Tenant)
  createTenant(@Arg('input', () => CreateTenantInput) input: CreateTenantInput, @Ctx() ctx: GqlContext) {
    return inPlatform(ctx, (s) => createTenant(s, input));
  }
}
