import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inPlatform, inTenant, isPlatformAdmin, type GqlContext } from '../graphql/context.js';
import { DecimalScalar } from '../graphql/scalars.js';
import { effectiveWhatsAppPrice, listWhatsAppPrices, setWhatsAppPrice } from '../services/pricing.js';
import { Node, WhatsAppCategory } from './common.types.js';

@ObjectType({ implements: Node })
export class WhatsAppPrice implements Node {
  @Field(() => ID) id!: string;
  @Field(() => String) country!: string;
  @Field(() => String) currency!: string;
  @Field(() => WhatsAppCategory) category!: WhatsAppCategory;
  @Field(() => DecimalScalar) pricePerMessage!: string;
  @Field(() => Date) effectiveFrom!: Date;
  @Field(() => Date) createdAt!: Date;
}

@InputType()
export class WhatsAppPriceInput {
  @Field(() => String) country!: string;
  @Field(() => String) currency!: string;
  @Field(() => WhatsAppCategory) category!: WhatsAppCategory;
  @Field(() => DecimalScalar) pricePerMessage!: string;
  @Field(() => Date) effectiveFrom!: Date;
}

@Authorized()
@Resolver()
export class PricingResolver {
  // Prices are platform-wide; a platform admin without a tenant reads them in platform scope.
  @Query(() => [WhatsAppPrice])
  whatsAppPrices(
    @Ctx() ctx: GqlContext,
    @Arg('country', () => String, { nullable: true }) country?: string | null,
    @Arg('currency', () => String, { nullable: true }) currency?: string | null,
  ) {
    return isPlatformAdmin(ctx) ? inPlatform(ctx, (s) => listWhatsAppPrices(s, country, currency)) : inTenant(ctx, (s) => listWhatsAppPrices(s, country, currency));
  }

  @Query(() => WhatsAppPrice, { nullable: true })
  effectiveWhatsAppPrice(
    @Ctx() ctx: GqlContext,
    @Arg('country', () => String) country: string,
    @Arg('currency', () => String) currency: string,
    @Arg('category', () => WhatsAppCategory) category: WhatsAppCategory,
    @Arg('at', () => Date, { nullable: true }) at?: Date | null,
  ) {
    const run = isPlatformAdmin(ctx) ? inPlatform : inTenant;
    return run(ctx, (s) => effectiveWhatsAppPrice(s, country, currency, category, at ?? undefined));
  }

  @Authorized('PLATFORM_ADMIN')
  @Mutation(() => WhatsAppPrice)
  setWhatsAppPrice(@Arg('input', () => WhatsAppPriceInput) input: WhatsAppPriceInput, @Ctx() ctx: GqlContext) {
    return inPlatform(ctx, (s) => setWhatsAppPrice(s, input));
  }
}
