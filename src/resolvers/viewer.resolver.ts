import { Authorized, Ctx, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { requireAuth, type GqlContext } from '../graphql/context.js';
import { Role } from './common.types.js';

@ObjectType({ description: 'Who the bearer token says the caller is' })
export class Viewer {
  @Field(() => String, { description: 'The token\'s "sub" claim: who Kabar records as the actor.' }) subject!: string;
  @Field(() => ID, { nullable: true, description: "The token's tenant; null for a platform admin without one." })
  tenantId!: string | null;
  @Field(() => [Role], { description: "The token's roles." }) roles!: Role[];
}

@Authorized()
@Resolver()
export class ViewerResolver {
  @Query(() => Viewer, { description: 'The caller, as its token describes it (lets a frontend show what it may do)' })
  viewer(@Ctx() ctx: GqlContext): Viewer {
    const auth = requireAuth(ctx);
    return { subject: auth.sub, tenantId: auth.tenantId, roles: auth.roles as Role[] };
  }
}
