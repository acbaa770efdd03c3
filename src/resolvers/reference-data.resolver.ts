import { Arg, Authorized, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { getReferenceData, setReferenceData } from '../services/reference-data.js';

@ObjectType()
export class ReferenceData {
  @Field(() => String) key!: string;
  @Field(() => String) value!: string;
  @Field(() => Date) updatedAt!: Date;
}

@Authorized()
@Resolver()
export class ReferenceDataResolver {
  @Query(() => ReferenceData, { nullable: true })
  async referenceData(@Arg('key', () => String) key: string, @Ctx() ctx: GqlContext) {
    return (await inTenant(ctx, (s) => getReferenceData(s, key))) ?? null;
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => ReferenceData)
  setReferenceData(@Arg('key', () => String) key: string, @Arg('value', () => String) value: string, @Ctx() ctx: GqlContext) {
    return inTenant(ctx, (s) => setReferenceData(s, key, value));
  }
}
