import {
  Arg,
  Authorized,
  Ctx,
  Field,
  InputType,
  Mutation,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
} from 'type-graphql';
import { inTenant, type GqlContext } from '../graphql/context.js';
import { preferencesOf, setPatientPreference } from '../services/preferences.service.js';
import { Channel } from './common.types.js';

// Equal to the database values, so rows pass through without mapping.
export enum ConsentStatus {
  OPTED_IN = 'OPTED_IN',
  OPTED_OUT = 'OPTED_OUT',
}
registerEnumType(ConsentStatus, {
  name: 'ConsentStatus',
  description: "A patient's choice for a channel or a category",
  valuesConfig: {
    OPTED_IN: {
      description: 'The patient agrees to receive it (required on WhatsApp when WhatsApp_Require_OptIn is 1).',
    },
    OPTED_OUT: { description: 'The patient refuses it: such messages are SKIPPED with OPTED_OUT.' },
  },
});

@ObjectType({
  description: 'One recorded choice of a patient. Never changed or deleted: a new choice is a new record.',
})
export class PatientPreference {
  @Field(() => String, { description: "The partner's patient id" }) patientId!: string;
  @Field(() => Channel, { description: 'The channel the choice is about' }) channel!: Channel;
  @Field(() => String, {
    nullable: true,
    description: 'An EventTypeInfo.category; null = every category on this channel',
  })
  category!: string | null;
  @Field(() => ConsentStatus, { description: 'Opted in or out' }) status!: ConsentStatus;
  @Field(() => String, { description: '"api", "event", "inbound:whatsapp" or "inbound:sms"' }) source!: string;
  @Field(() => String, { nullable: true, description: 'What proves it: inbound message id, form reference, event id' })
  evidence!: string | null;
  @Field(() => String, { description: "JWT subject, partner event id, or the patient's own number" }) actor!: string;
  @Field(() => Date, { description: 'When it was recorded' }) at!: Date;
}

@ObjectType({ description: "A patient's choices: those in force and every one ever recorded" })
export class PatientPreferences {
  @Field(() => String, { description: "The partner's patient id" }) patientId!: string;
  @Field(() => [PatientPreference], { description: 'The choice in force for each (channel, category) ever set' })
  current!: PatientPreference[];
  @Field(() => [PatientPreference], { description: 'Every choice, oldest first' }) history!: PatientPreference[];
}

@InputType({ description: 'One choice to record (source "api", actor the caller)' })
export class PatientPreferenceInput {
  @Field(() => String, { description: "The partner's patient id, 1 to 200 characters" }) patientId!: string;
  @Field(() => Channel, { description: 'The channel the choice is about' }) channel!: Channel;
  @Field(() => String, {
    nullable: true,
    description: 'An EventTypeInfo.category; null = every category on this channel',
  })
  category?: string | null;
  @Field(() => ConsentStatus, { description: 'Opted in or out' }) status!: ConsentStatus;
  @Field(() => String, {
    nullable: true,
    description: 'What proves it (form reference, call note), at most 500 characters',
  })
  evidence?: string | null;
}

@Authorized()
@Resolver()
export class PreferencesResolver {
  @Authorized('TENANT_ADMIN', 'SUPPORT', 'SERVICE')
  @Query(() => PatientPreferences, {
    description: "A patient's choices in force and their whole history (TENANT_ADMIN, SUPPORT, SERVICE)",
  })
  patientPreferences(
    @Arg('patientId', () => String, { description: "The partner's patient id." }) patientId: string,
    @Ctx() ctx: GqlContext,
  ) {
    return inTenant(ctx, (s) => preferencesOf(s, patientId));
  }

  @Authorized('TENANT_ADMIN', 'SUPPORT', 'SERVICE')
  @Mutation(() => PatientPreferences, {
    description:
      "Records one choice of a patient; answers the patient's choices after it (TENANT_ADMIN, SUPPORT, SERVICE)",
  })
  setPatientPreference(
    @Arg('input', () => PatientPreferenceInput, { description: 'The choice.' }) input: PatientPreferenceInput,
    @Ctx() ctx: GqlContext,
  ) {
    return inTenant(ctx, (s) => setPatientPreference(s, input));
  }
}
