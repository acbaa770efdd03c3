import { Arg, Authorized, Ctx, Field, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { getWhatsAppConfig, upsertWhatsAppConfig } from '../services/whatsapp.js';

@ObjectType()
export class WhatsAppConfig {
  @Field(() => String) tenantName!: string;
  @Field(() => String) senderNumber!: string;
  @Field(() => String) country!: string;
  @Field(() => String) currency!: string;
  @Field(() => Boolean) isActive!: boolean;
  @Field(() => Boolean, { description: 'The token itself is never returned' }) tokenSet!: boolean;
  @Field(() => Date) updatedAt!: Date;
}

@InputType()
export class WhatsAppConfigInput {
  @Field(() => String) senderNumber!: string;
  @Field(() => String, { nullable: true, description: 'Omitted = keep the stored token' }) token?: string | null;
  @Field(() => String) country!: string;
  @Field(() => String) currency!: string;
  @Field(() => Boolean) isActive!: boolean;
}

@Authorized()
@Resolver()
export class WhatsAppResolver {
  @Query(() => WhatsAppConfig, { nullable: true })
  whatsAppConfig(@Ctx() ctx: GqlContext) {
    return inTenant(ctx, getWhatsAppConfig);
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => WhatsAppConfig)
  upsertWhatsAppConfig(@Arg('input', () => WhatsAppConfigInput) input: WhatsAppConfigInput, @Ctx() ctx: GqlContext) {
    return inTenant(ctx, (s) => upsertWhatsAppConfig(s, input, ctx.app.box, ctx.app.channels.whatsapp, ctx.app.config.KABAR_PUBLIC_URL, ctx.app.logger));
  }
}
