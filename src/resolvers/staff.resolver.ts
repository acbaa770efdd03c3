import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { listStaff, upsertStaff } from '../services/staff.service.js';
import { Language, Node } from './common.types.js';

@ObjectType({ implements: Node, description: "One of the tenant's staff, who routing rules send staff events to." })
export class StaffMember implements Node {
  @Field(() => ID, { description: 'The staff member id.' }) id!: string;
  @Field(() => String, { description: 'Full name, e.g. "Ns. Dewi".' }) name!: string;
  @Field(() => String, { nullable: true, description: 'Email address, for EMAIL.' }) email!: string | null;
  @Field(() => String, { nullable: true, description: 'E.164' }) phone!: string | null;
  @Field(() => [String], { description: 'FCM registration tokens, for PUSH.' }) pushTokens!: string[];
  @Field(() => Language, { nullable: true, description: "Preferred language; null = the tenant's default." })
  language!: Language | null;
  @Field(() => [String], { description: 'Lower-case department names routing rules match, e.g. ["lab", "pharmacy"].' })
  departments!: string[];
  @Field(() => [ID], { description: 'Empty = all centres' }) centreIds!: string[];
  @Field(() => Boolean, { description: 'Inactive members receive nothing.' }) active!: boolean;
}

@InputType({ description: 'A staff member to create (no id) or replace (its id).' })
export class StaffMemberInput {
  @Field(() => ID, { nullable: true, description: 'Omitted = create' }) id?: string | null;
  @Field(() => String, { description: 'Full name, 1 to 200 characters.' }) name!: string;
  @Field(() => String, { nullable: true, description: 'Email address.' }) email?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'E.164, or national in the tenant\'s country, e.g. "081234567890".',
  })
  phone?: string | null;
  @Field(() => [String], { nullable: true, description: 'FCM registration tokens.' }) pushTokens?: string[] | null;
  @Field(() => Language, { nullable: true, description: "Preferred language; omitted = the tenant's default." })
  language?: Language | null;
  @Field(() => [String], { description: 'Department names (stored lower-case), e.g. ["lab"].' }) departments!: string[];
  @Field(() => [ID], { nullable: true, description: 'The centres they work at; omitted or empty = all.' }) centreIds?:
    | string[]
    | null;
  @Field(() => Boolean, { nullable: true, description: 'Default true.' }) active?: boolean | null;
}

@Authorized()
@Resolver()
export class StaffResolver {
  @Query(() => [StaffMember], { description: "The tenant's staff. Any role of the tenant." })
  staffMembers(@Ctx() ctx: GqlContext) {
    return inTenant(ctx, listStaff);
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => StaffMember, {
    description: 'Creates a staff member, or replaces the one with input.id; audited. TENANT_ADMIN only.',
  })
  upsertStaffMember(
    @Arg('input', () => StaffMemberInput, { description: 'The staff member.' }) input: StaffMemberInput,
    @Ctx() ctx: GqlContext,
  ) {
    return inTenant(ctx, (s) => upsertStaff(s, input));
  }
}
