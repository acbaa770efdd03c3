import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { listTemplates, resetTemplate, upsertTemplate } from '../services/templates.service.js';
import { Channel, Language, Node, TemplateApprovalStatus, WhatsAppCategory } from './common.types.js';

@ObjectType({
  implements: Node,
  description: "How one event type reads on one channel in one language: Kabar's default or the tenant's override.",
})
export class Template implements Node {
  @Field(() => ID, { description: 'The template id (defaults have stable ids too).' }) id!: string;
  @Field(() => String, { description: 'e.g. "appointment.confirmed".' }) eventType!: string;
  @Field(() => Channel, { description: 'The channel it renders for.' }) channel!: Channel;
  @Field(() => Language, { description: 'The language it is written in.' }) language!: Language;
  @Field(() => String, { nullable: true, description: 'Email only' }) subject!: string | null;
  @Field(() => String, { description: 'With {{variables}}; {{#x}}…{{/x}} renders only when x is present' })
  body!: string;
  @Field(() => String, {
    nullable: true,
    description: 'WhatsApp only: the Meta-approved template name, e.g. "appointment_confirmed_v2".',
  })
  whatsAppTemplateName!: string | null;
  @Field(() => WhatsAppCategory, {
    nullable: true,
    description:
      'WhatsApp only: the category Meta put the template in once it said, else the declared one; it decides the price',
  })
  whatsAppCategory!: WhatsAppCategory | null;
  @Field(() => Boolean, { description: "True = Kabar's shipped default, not a tenant override" }) isDefault!: boolean;
  @Field(() => Date, { description: 'When it was last changed.' }) updatedAt!: Date;
  @Field(() => TemplateApprovalStatus, {
    nullable: true,
    description: "WhatsApp only: Meta's verdict, from its webhooks (UNKNOWN until Meta says); null for other channels",
  })
  whatsAppStatus!: TemplateApprovalStatus | null;
  @Field(() => String, {
    nullable: true,
    description: "Why Meta gave its verdict (a rejection's reason, a pause's or a disable's details), when it said",
  })
  whatsAppStatusReason!: string | null;
}

@InputType({ description: "A tenant's override of one template." })
export class TemplateInput {
  @Field(() => String, { description: 'A known event type.' }) eventType!: string;
  @Field(() => Channel, { description: 'The channel.' }) channel!: Channel;
  @Field(() => Language, { description: 'The language.' }) language!: Language;
  @Field(() => String, { nullable: true, description: 'Email only: the subject, with {{variables}}.' }) subject?:
    | string
    | null;
  @Field(() => String, {
    description:
      'The text with {{variables}} of the event\'s data, e.g. "Hello {{patient.name}}"; unknown variables are BAD_USER_INPUT.',
  })
  body!: string;
  @Field(() => String, { nullable: true, description: 'WhatsApp only: the Meta-approved template name.' })
  whatsAppTemplateName?: string | null;
  @Field(() => WhatsAppCategory, { nullable: true, description: 'WhatsApp only: its Meta category.' })
  whatsAppCategory?: WhatsAppCategory | null;
}

@Authorized()
@Resolver()
export class TemplatesResolver {
  @Query(() => [Template], {
    description: "The templates in force (the tenant's overrides, else Kabar's defaults). Any role of the tenant.",
  })
  templates(
    @Ctx() ctx: GqlContext,
    @Arg('eventType', () => String, { nullable: true, description: 'Only this event type; omitted = all.' }) eventType?:
      | string
      | null,
    @Arg('channel', () => Channel, { nullable: true, description: 'Only this channel; omitted = all.' })
    channel?: Channel | null,
    @Arg('language', () => Language, { nullable: true, description: 'Only this language; omitted = all.' })
    language?: Language | null,
  ) {
    return inTenant(ctx, (s) => listTemplates(s, { eventType, channel, language }));
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => Template, {
    description:
      "Sets the tenant's override of a template (validated against the event's variables); audited. TENANT_ADMIN only.",
  })
  upsertTemplate(
    @Arg('input', () => TemplateInput, { description: 'The override.' }) input: TemplateInput,
    @Ctx() ctx: GqlContext,
  ) {
    return inTenant(ctx, (s) => upsertTemplate(s, input));
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => Template, {
    description: "Removes the tenant's override; returns Kabar's default, now in force again",
  })
  resetTemplate(
    @Arg('eventType', () => String, { description: 'The event type.' }) eventType: string,
    @Arg('channel', () => Channel, { description: 'The channel.' }) channel: Channel,
    @Arg('language', () => Language, { description: 'The language.' }) language: Language,
    @Ctx() ctx: GqlContext,
  ) {
    return inTenant(ctx, (s) => resetTemplate(s, { eventType, channel, language }));
  }
}
