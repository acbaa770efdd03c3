import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inPlatform, inTenant, isPlatformAdmin, type GqlContext } from '../graphql/context.js';
import { DecimalScalar } from '../graphql/scalars.js';
import { effectiveWhatsAppPrice, listWhatsAppPrices, setWhatsAppPrice } from '../services/pricing.service.js';
import { Node, WhatsAppCategory } from './common.types.js';

@ObjectType({
  implements: Node,
  description:
    'The price of one WhatsApp message for a country, currency and category, from a date on. Prices are never edited: a new one takes over.',
})
export class WhatsAppPrice implements Node {
  @Field(() => ID, { description: 'The price id.' }) id!: string;
  @Field(() => String, { description: 'ISO 3166-1 alpha-2, e.g. "ID".' }) country!: string;
  @Field(() => String, { description: 'ISO 4217, e.g. "IDR".' }) currency!: string;
  @Field(() => WhatsAppCategory, { description: "Meta's category." }) category!: WhatsAppCategory;
  @Field(() => DecimalScalar, { description: 'Per message, in `currency`, e.g. "350.50".' }) pricePerMessage!: string;
  @Field(() => Date, {
    description: 'In force from this instant until the next price of the same country, currency and category.',
  })
  effectiveFrom!: Date;
  @Field(() => Date, { description: 'When it was set.' }) createdAt!: Date;
}

@InputType({ description: 'A new WhatsApp price.' })
export class WhatsAppPriceInput {
  @Field(() => String, { description: 'ISO 3166-1 alpha-2, e.g. "ID".' }) country!: string;
  @Field(() => String, { description: 'ISO 4217, e.g. "IDR".' }) currency!: string;
  @Field(() => WhatsAppCategory, { description: "Meta's category." }) category!: WhatsAppCategory;
  @Field(() => DecimalScalar, { description: 'Per message: a non-negative decimal string, e.g. "350.50".' })
  pricePerMessage!: string;
  @Field(() => Date, { description: 'From when (ISO 8601); one price per country, currency, category and instant.' })
  effectiveFrom!: Date;
}

@Authorized()
@Resolver()
export class PricingResolver {
  // Prices are platform-wide; a platform admin without a tenant reads them in platform scope.
  @Query(() => [WhatsAppPrice], {
    description:
      'Every WhatsApp price, past and future, optionally for one country and currency. Any valid token (platform-wide).',
  })
  whatsAppPrices(
    @Ctx() ctx: GqlContext,
    @Arg('country', () => String, { nullable: true, description: 'ISO 3166-1 alpha-2; omitted = every country.' })
    country?: string | null,
    @Arg('currency', () => String, { nullable: true, description: 'ISO 4217; omitted = every currency.' }) currency?:
      | string
      | null,
  ) {
    return isPlatformAdmin(ctx)
      ? inPlatform(ctx, (s) => listWhatsAppPrices(s, country, currency))
      : inTenant(ctx, (s) => listWhatsAppPrices(s, country, currency));
  }

  @Query(() => WhatsAppPrice, {
    nullable: true,
    description: 'The price in force at an instant; null when none. Any valid token (platform-wide).',
  })
  effectiveWhatsAppPrice(
    @Ctx() ctx: GqlContext,
    @Arg('country', () => String, { description: 'ISO 3166-1 alpha-2, e.g. "ID".' }) country: string,
    @Arg('currency', () => String, { description: 'ISO 4217, e.g. "IDR".' }) currency: string,
    @Arg('category', () => WhatsAppCategory, { description: "Meta's category." }) category: WhatsAppCategory,
    @Arg('at', () => Date, { nullable: true, description: 'The instant (ISO 8601); omitted = now.' }) at?: Date | null,
  ) {
    const run = isPlatformAdmin(ctx) ? inPlatform : inTenant;
    return run(ctx, (s) => effectiveWhatsAppPrice(s, country, currency, category, at ?? undefined));
  }

  @Authorized('PLATFORM_ADMIN')
  @Mutation(() => WhatsAppPrice, { description: 'Adds a WhatsApp price; audited. PLATFORM_ADMIN only.' })
  setWhatsAppPrice(
    @Arg('input', () => WhatsAppPriceInput, { description: 'The price.' }) input: WhatsAppPriceInput,
    @Ctx() ctx: GqlContext,
  ) {
    return inPlatform(ctx, (s) => setWhatsAppPrice(s, input));
  }
}
