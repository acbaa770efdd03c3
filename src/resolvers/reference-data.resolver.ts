import { Arg, Authorized, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { getReferenceData, referenceDataKeys, setReferenceData } from '../services/reference-data.service.js';

@ObjectType({ description: "One of the tenant's settings (see referenceDataKeys for the keys Kabar reads)." })
export class ReferenceData {
  @Field(() => String, { description: 'e.g. "WhatsApp_Notification".' }) key!: string;
  @Field(() => String, { description: 'The value as text, e.g. "1" or "21:00-07:00".' }) value!: string;
  @Field(() => Date, { description: 'When it was last set.' }) updatedAt!: Date;
}

@ObjectType({ description: "A reference-data key Kabar reads, with what it means, its default and the tenant's value" })
export class ReferenceDataKey {
  @Field(() => String, { description: 'e.g. WhatsApp_Notification, Quiet_Hours, WhatsApp_Require_OptIn' }) key!: string;
  @Field(() => String, { description: 'What it does and the values it accepts' }) description!: string;
  @Field(() => String, { nullable: true, description: 'What Kabar does when the tenant has not set it' }) defaultValue!:
    | string
    | null;
  @Field(() => String, { nullable: true, description: "The tenant's value, when set" }) value!: string | null;
}

@Authorized()
@Resolver()
export class ReferenceDataResolver {
  @Query(() => ReferenceData, {
    nullable: true,
    description: "One of the tenant's settings; null when never set. Any role of the tenant.",
  })
  async referenceData(
    @Arg('key', () => String, { description: 'e.g. "WhatsApp_Notification".' }) key: string,
    @Ctx() ctx: GqlContext,
  ) {
    return (await inTenant(ctx, (s) => getReferenceData(s, key))) ?? null;
  }

  @Query(() => [ReferenceDataKey], {
    description: "Every key Kabar reads, with its description, default and the tenant's value",
  })
  referenceDataKeys(@Ctx() ctx: GqlContext) {
    return inTenant(ctx, (s) => referenceDataKeys(s));
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => ReferenceData, {
    description: "Sets one of the tenant's settings (validated for the keys Kabar reads); audited. TENANT_ADMIN only.",
  })
  setReferenceData(
    @Arg('key', () => String, { description: 'e.g. "Quiet_Hours".' }) key: string,
    @Arg('value', () => String, { description: 'e.g. "21:00-07:00"; see referenceDataKeys for what each key accepts.' })
    value: string,
    @Ctx() ctx: GqlContext,
  ) {
    return inTenant(ctx, (s) => setReferenceData(s, key, value));
  }
}
