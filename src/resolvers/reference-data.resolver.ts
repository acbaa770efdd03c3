import { Arg, Authorized, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { getReferenceData, referenceDataKeys, setReferenceData } from '../services/reference-data.js';

@ObjectType()
export class ReferenceData {
  @Field(() => String) key!: string;
  @Field(() => String) value!: string;
  @Field(() => Date) updatedAt!: Date;
}

@ObjectType({ description: 'A reference-data key Kabar reads, with what it means, its default and the tenant\'s value' })
export class ReferenceDataKey {
  @Field(() => String, { description: 'e.g. WhatsApp_Notification, Quiet_Hours, WhatsApp_Require_OptIn' }) key!: string;
  @Field(() => String, { description: 'What it does and the values it accepts' }) description!: string;
  @Field(() => String, { nullable: true, description: 'What Kabar does when the tenant has not set it' }) defaultValue!: string | null;
  @Field(() => String, { nullable: true, description: "The tenant's value, when set" }) value!: string | null;
}

@Authorized()
@Resolver()
export class ReferenceDataResolver {
  @Query(() => ReferenceData, { nullable: true })
  async referenceData(@Arg('key', () => String) key: string, @Ctx() ctx: GqlContext) {
    return (await inTenant(ctx, (s) => getReferenceData(s, key))) ?? null;
  }

  @Query(() => [ReferenceDataKey], { description: 'Every key Kabar reads, with its description, default and the tenant\'s value' })
  referenceDataKeys(@Ctx() ctx: GqlContext) {
    return inTenant(ctx, (s) => referenceDataKeys(s));
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => ReferenceData)
  setReferenceData(@Arg('key', () => String) key: string, @Arg('value', () => String) value: string, @Ctx() ctx: GqlContext) {
    return inTenant(ctx, (s) => setReferenceData(s, key, value));
  }
}
