import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { listStaff, upsertStaff } from '../services/staff.js';
import { Language, Node } from './common.types.js';

@ObjectType({ implements: Node })
export class StaffMember implements Node {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => String, { nullable: true, description: 'E.164' }) phone!: string | null;
  @Field(() => [String]) pushTokens!: string[];
  @Field(() => Language, { nullable: true }) language!: Language | null;
  @Field(() => [String]) departments!: string[];
  @Field(() => [ID], { description: 'Empty = all centres' }) centreIds!: string[];
  @Field(() => Boolean) active!: boolean;
}

@InputType()
export class StaffMemberInput {
  @Field(() => ID, { nullable: true, description: 'Omitted = create' }) id?: string | null;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) phone?: string | null;
  @Field(() => [String], { nullable: true }) pushTokens?: string[] | null;
  @Field(() => Language, { nullable: true }) language?: Language | null;
  @Field(() => [String]) departments!: string[];
  @Field(() => [ID], { nullable: true }) centreIds?: string[] | null;
  @Field(() => Boolean, { nullable: true }) active?: boolean | null;
}

@Authorized()
@Resolver()
export class StaffResolver {
  @Query(() => [StaffMember])
  staffMembers(@Ctx() ctx: GqlContext) {
    return inTenant(ctx, listStaff);
  }

  @Authorized('TENANT_ADMIN')
  @Mutation(() => StaffMember)
  upsertStaffMember(@Arg('input', () => StaffMemberInput) input: StaffMemberInput, @Ctx() ctx: GqlContext) {
    return inTenant(ctx, (s) => upsertStaff(s, input));
  }
}
