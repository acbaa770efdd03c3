import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { listTemplates, resetTemplate, upsertTemplate } from '../services/templates.js';
import { Channel, Language, Node, TemplateApprovalStatus, WhatsAppCategory } from './common.types.js';

@ObjectType({ implements: Node })
export class Template implements Node {
  @Field(() => ID) id!: string;
  @Field(() => String) eventType!: string;
  @Field(() => Channel) channel!: Channel;
  @Field(() => Language) language!: Language;
  @Field(() => String, { nullable: true, description: 'Email only' }) subject!: string | null;
  @Field(() => String, { description: 'With {{variables}}; {{#x}}…{{/x}} renders only when x is present' }) body!: string;
  @Field(() => String, { nullable: true }) whatsAppTemplateName!: string | null;
  @Field(() => WhatsAppCategory, { nullable: true, description: 'WhatsApp only: the category Meta put the template in once it said, else the declared one; it decides the price' }) whatsAppCategory!: WhatsAppCategory | null;
  @Field(() => Boolean, { description: "True = Kabar's shipped default, not a tenant override" }) isDefault!: boolean;
  @Field(() => Date) updatedAt!: Date;
  @Field(() => TemplateApprovalStatus, { nullable: true, description: "WhatsApp only: Meta's verdict, from its webhooks (UNKNOWN until Meta says); null for other channels" })
  whatsAppStatus!: TemplateApprovalStatus | null;
  @Field(() => String, { nullable: true, description: "Why Meta gave its verdict (a rejection's reason, a pause's or a disable's details), when it said" })
  whatsAppStatusReason!: string | null;
}

@InputType()
export class TemplateInput {
  @Field(() => String) eventType!: string;
  @Field(() => Channel) channel!: Channel;
  @Field(() => Language) language!: Language;
  @Field(() => String, { nullable: true }) subject?: string | null;
  @Field(() => String) body!: string;
  @Field(() => String, { nullable: true }) whatsAppTemplateName?: string | null;
  @Field(() => WhatsAppCategory, { nullable: true }) whatsAppCategory?: WhatsAppCategory | null;
}

@Authorized()
@Resolver()
export class TemplatesResolver {
  @Query(() => [Template])
  templates(
    @Ctx() ctx: GqlContext,
    @Arg('eventType', () => String, { nullable: true }) eventType?: string | null,
    @Arg('channel', () => Channel, { nullable: true }) channel?: Channel | null,
    @Arg('language', () => Language, { nullable: true }) language?: Language | null,
  ) {
    return inTenant(ctx, (s) => listTemplates(s, { eventType, channel, language }));
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => Template)
  upsertTemplate(@Arg('input', () => TemplateInput) input: TemplateInput, @Ctx() ctx: GqlContext) {
    return inTenant(ctx, (s) => upsertTemplate(s, input));
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => Template, { description: "Removes the tenant's override; returns Kabar's default, now in force again" })
  resetTemplate(
    @Arg('eventType', () => String) eventType: string,
    @Arg('channel', () => Channel) channel: Channel,
    @Arg('language', () => Language) language: Language,
    @Ctx() ctx: GqlContext,
  ) {
    return inTenant(ctx, (s) => resetTemplate(s, { eventType, channel, language }));
  }
}
