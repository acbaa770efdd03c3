import { Authorized, Ctx, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { requireAuth, type GqlContext } from '../graphql/context.js';
import { Role } from './common.types.js';

@ObjectType({ description: 'Who the bearer token says the caller is' })
export class Viewer {
  @Field(() => String) subject!: string;
  @Field(() => ID, { nullable: true }) tenantId!: string | null;
  @Field(() => [Role]) roles!: Role[];
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
