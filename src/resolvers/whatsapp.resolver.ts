import { Arg, Authorized, Ctx, Field, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { getWhatsAppConfig, upsertWhatsAppConfig } from '../services/whatsapp.service.js';

@ObjectType({ description: "The tenant's WhatsApp Business sender (360dialog)." })
export class WhatsAppConfig {
  @Field(() => String, { description: 'The tenant it belongs to, by name.' }) tenantName!: string;
  @Field(() => String, {
    description: 'The WhatsApp Business number messages come from, E.164, e.g. "+6281100000000".',
  })
  senderNumber!: string;
  @Field(() => String, { description: 'ISO 3166-1 alpha-2: which WhatsApp prices apply.' }) country!: string;
  @Field(() => String, { description: 'ISO 4217: the currency of those prices.' }) currency!: string;
  @Field(() => Boolean, { description: 'False = WhatsApp messages are SKIPPED (WHATSAPP_NOT_CONFIGURED).' })
  isActive!: boolean;
  @Field(() => Boolean, { description: 'The token itself is never returned' }) tokenSet!: boolean;
  @Field(() => Date, { description: 'When it was last changed.' }) updatedAt!: Date;
}

@InputType({ description: "The tenant's WhatsApp Business sender." })
export class WhatsAppConfigInput {
  @Field(() => String, { description: 'E.164, or national in the tenant\'s country, e.g. "+6281100000000".' })
  senderNumber!: string;
  @Field(() => String, { nullable: true, description: 'Omitted = keep the stored token' }) token?: string | null;
  @Field(() => String, { description: 'ISO 3166-1 alpha-2, e.g. "ID".' }) country!: string;
  @Field(() => String, { description: 'ISO 4217, e.g. "IDR".' }) currency!: string;
  @Field(() => Boolean, { description: 'False pauses WhatsApp for the tenant.' }) isActive!: boolean;
}

@Authorized()
@Resolver()
export class WhatsAppResolver {
  @Query(() => WhatsAppConfig, {
    nullable: true,
    description:
      "The tenant's WhatsApp sender; null when not configured. The API token is never returned. Any role of the tenant.",
  })
  whatsAppConfig(@Ctx() ctx: GqlContext) {
    return inTenant(ctx, getWhatsAppConfig);
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => WhatsAppConfig, {
    description:
      "Sets the tenant's WhatsApp sender (the token is stored encrypted) and registers its webhook; audited. TENANT_ADMIN only.",
  })
  upsertWhatsAppConfig(
    @Arg('input', () => WhatsAppConfigInput, { description: 'The sender.' }) input: WhatsAppConfigInput,
    @Ctx() ctx: GqlContext,
  ) {
    return inTenant(ctx, (s) =>
      upsertWhatsAppConfig(
        s,
        input,
        ctx.app.box,
        ctx.app.channels.whatsapp,
        ctx.app.config.KABAR_PUBLIC_URL,
        ctx.app.logger,
      ),
    );
  }
}
