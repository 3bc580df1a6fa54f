import { FundingType, ServiceType } from '../../domain/carePackage';
import { Gender } from '../../domain/person';
import { CodeList } from './codeList';

/**
 * The value lists of the CLD return's coded columns that the reader acts on or keeps, in Release 2
 * wording with the Release 1 spellings beside them (docs/data-in.md lists them all).
 */

export const GENDERS = new CodeList<Gender>([
  { wording: 'Male', meaning: 'male' },
  { wording: 'Female', meaning: 'female' },
  { wording: 'Other', meaning: 'other', aliases: ['Other (not listed)', 'Non-binary', 'Indeterminate'] },
  { wording: 'Unknown', meaning: 'unknown', aliases: ['Not known', 'Not stated', 'Not specified', 'Prefer not to say'] },
]);

/** Yes / No / Unknown: Unknown reads as not said. */
export const YES_NO = new CodeList<boolean | undefined>([
  { wording: 'Yes', meaning: true },
  { wording: 'No', meaning: false },
  { wording: 'Unknown', meaning: undefined, aliases: ['Not known'] },
]);

export type ClientType = 'service-user' | 'carer' | 'carer-by-association';
export const CLIENT_TYPES = new CodeList<ClientType>([
  { wording: 'Service user', meaning: 'service-user' },
  { wording: 'Unpaid carer', meaning: 'carer', aliases: ['Carer'] },
  { wording: 'Unpaid carer known by association', meaning: 'carer-by-association', aliases: ['Carer known by association'] },
]);

export type EventType = 'request' | 'assessment' | 'service' | 'review';
export const EVENT_TYPES = new CodeList<EventType>([
  { wording: 'Request', meaning: 'request', aliases: ['Referral'] },
  { wording: 'Assessment', meaning: 'assessment' },
  { wording: 'Service', meaning: 'service' },
  { wording: 'Review', meaning: 'review' },
]);

/** What an outcome means to a package: a hospital stay suspends it; a death ends it and dates the death. */
export type OutcomeEffect = 'hospital' | 'deceased' | undefined;
export const EVENT_OUTCOMES = new CodeList<OutcomeEffect>([
  { wording: 'Progress to reablement/ST-Max', meaning: undefined },
  {
    wording: 'Progress to assessment, review or reassessment',
    meaning: undefined,
    aliases: ['Progress to assessment', 'Progress to re-assessment / review', 'Progress to review', 'Progress to reassessment'],
  },
  {
    wording: 'Progress to support planning or services',
    meaning: undefined,
    aliases: ['Progress to support planning / services', 'Long Term Support (any)'],
  },
  { wording: 'Continuation of support or services', meaning: undefined },
  { wording: 'Admitted to hospital', meaning: 'hospital', aliases: ['Admitted to hospital (service suspended)'] },
  {
    wording: 'NFA: Responsibility moved to another local authority',
    meaning: undefined,
    aliases: ['NFA - Moved to another LA', 'NFA: Moved to another local authority'],
  },
  {
    wording: 'NFA: Referral to NHS services or NHS funded social care',
    meaning: undefined,
    aliases: ['NFA - 100% NHS funded care', 'NFA: NHS funded care'],
  },
  {
    wording: 'NFA: Self-funded client or under 12wk disregard',
    meaning: undefined,
    aliases: ['NFA - Self-funded client (inc. 12wk disregard)', 'NFA: Self-funded client'],
  },
  {
    wording: 'NFA: Information and advice or signposting',
    meaning: undefined,
    aliases: ['NFA - Information & Advice / Signposting only', 'NFA: Information and advice / signposting only'],
  },
  {
    wording: 'NFA: Referral to other service within the local authority',
    meaning: undefined,
    aliases: ['NFA - Referral to other service within the LA'],
  },
  { wording: 'NFA: Support declined', meaning: undefined },
  { wording: 'NFA: Deceased', meaning: 'deceased' },
  { wording: 'NFA: Support ended as planned', meaning: undefined, aliases: ['Service ended as planned'] },
  {
    wording: 'NFA: Support ended for other reason',
    meaning: undefined,
    aliases: ['Service ended for other reason', 'Service ended - other reason'],
  },
  {
    wording: 'NFA: No services offered for other reason',
    meaning: undefined,
    aliases: ['NFA - No services offered: other reason', 'NFA: No services offered - other reason'],
  },
  { wording: 'NFA: Other', meaning: undefined },
]);

/** Kept in the return's wording: the list only checks them. */
export const PRIMARY_SUPPORT_REASONS = new CodeList<true>(
  [
    'Physical Support: Access and mobility only',
    'Physical Support: Personal care support',
    'Sensory Support: Support for visual impairment',
    'Sensory Support: Support for hearing impairment',
    'Sensory Support: Support for dual impairment',
    'Support with Memory and Cognition',
    'Learning Disability Support',
    'Mental Health Support',
    'Social Support: Substance misuse support',
    'Social Support: Asylum seeker support',
    'Social Support: Support for social isolation/other',
  ].map((wording) => ({ wording, meaning: true })),
);

/** "Unknown" reads as not said; the rest are kept in the return's wording. */
export const ACCOMMODATION_STATUSES = new CodeList<boolean>([
  { wording: 'Owner occupier or shared ownership scheme', meaning: true },
  {
    wording: 'Tenant (including local authority, arms length management organisations, registered social landlord, housing association)',
    meaning: true,
    aliases: [
      'Tenant',
      'Tenant - local authority/arms length management organisation/registered social landlord/housing association',
      'Tenant - local authority / arms length management organisation / registered social landlord / housing association',
    ],
  },
  { wording: 'Tenant - private landlord', meaning: true, aliases: ['Tenant: private landlord'] },
  { wording: 'Settled mainstream housing with family / friends', meaning: true },
  { wording: 'Supported accommodation / supported lodgings / supported group home', meaning: true },
  { wording: 'Shared Lives scheme', meaning: true },
  { wording: 'Approved premises for offenders released from prison or under probation supervision', meaning: true },
  { wording: 'Sheltered housing / extra care housing / other sheltered housing', meaning: true },
  { wording: 'Mobile accommodation for Gypsy / Roma and Traveller communities', meaning: true },
  { wording: 'Rough sleeper / squatting', meaning: true },
  { wording: 'Night shelter / emergency hostel / direct access hostel', meaning: true },
  { wording: 'Refuge', meaning: true },
  { wording: 'Placed in temporary accommodation by the council', meaning: true },
  { wording: 'Staying with family / friends as a short-term guest', meaning: true },
  { wording: 'Acute / long-term healthcare residential facility or hospital', meaning: true },
  { wording: 'Registered care home', meaning: true },
  { wording: 'Registered nursing home', meaning: true },
  { wording: 'Prison / Young offenders institution / detention centre', meaning: true },
  { wording: 'Other temporary accommodation', meaning: true },
  { wording: 'Unknown', meaning: false, aliases: ['Not known'] },
]);

/** The service type's own share in choosing ours: ST-Max is reablement whatever the component. */
export type ServiceTypeGroup = 'nursing' | 'residential' | 'community' | 'prison' | 'st-max' | 'short-term' | 'carer';
export const SERVICE_TYPE_VALUES = new CodeList<ServiceTypeGroup>([
  { wording: 'Long term support: Nursing care', meaning: 'nursing' },
  { wording: 'Long term support: Residential care', meaning: 'residential' },
  { wording: 'Long term support: Community', meaning: 'community' },
  { wording: 'Long term support: Prison', meaning: 'prison' },
  { wording: 'Short term support: ST-Max', meaning: 'st-max', aliases: ['Short term support: Reablement'] },
  { wording: 'Short term support: Ongoing low level', meaning: 'short-term' },
  { wording: 'Short term support: Other short term', meaning: 'short-term' },
  {
    wording: 'Unpaid carer support: Direct to unpaid carer',
    meaning: 'carer',
    aliases: ['Carer support: Direct to carer'],
  },
  {
    wording: 'Unpaid carer support: Support involving the person cared-for',
    meaning: 'carer',
    aliases: ['Carer support: Support involving the person cared-for', 'Carer support: Support involving the person cared for'],
  },
]);

/** A component names our service type, or leaves it to the Service Type (undefined). */
export const SERVICE_COMPONENTS = new CodeList<ServiceType | undefined>([
  { wording: 'Home support', meaning: 'home-care', aliases: ['Home care', 'Domiciliary care'] },
  { wording: 'Community supported living', meaning: 'supported-living', aliases: ['Supported living'] },
  { wording: 'Extra care housing', meaning: 'extra-care-housing', aliases: ['Extra care'] },
  { wording: 'Shared Lives', meaning: 'shared-lives' },
  { wording: 'Day services', meaning: 'day-care', aliases: ['Day care', 'Day service', 'Day opportunities'] },
  { wording: 'Meals', meaning: 'meals-service', aliases: ['Meals service', 'Meals on wheels'] },
  { wording: 'Equipment', meaning: 'equipment', aliases: ['Equipment and adaptations', 'Adaptations'] },
  { wording: 'Telecare', meaning: 'telecare', aliases: ['Community alarm', 'Assistive technology'] },
  { wording: 'Residential care', meaning: 'residential-care', aliases: ['Long term residential care'] },
  { wording: 'Nursing care', meaning: 'nursing-care', aliases: ['Long term nursing care'] },
  { wording: 'Reablement', meaning: 'reablement', aliases: ['ST-Max', 'Reablement / ST-Max'] },
  { wording: 'Short term residential care', meaning: 'respite-care' },
  { wording: 'Short term nursing care', meaning: 'respite-care' },
  { wording: 'Carer respite', meaning: 'respite-care', aliases: ['Respite', 'Respite care'] },
  { wording: 'Carer support', meaning: 'carer-support', aliases: ['Other carer support', 'Support to carer'] },
  { wording: 'Direct payment', meaning: undefined },
  { wording: 'Other long term support', meaning: undefined },
  { wording: 'Other short term support', meaning: undefined, aliases: ['Other short term'] },
  { wording: 'Ongoing low level support', meaning: undefined, aliases: ['Other low level support', 'Low level support'] },
  { wording: 'Information and advice', meaning: undefined, aliases: ['Information and advice / signposting'] },
  { wording: 'Professional support', meaning: undefined },
  { wording: 'Transport', meaning: undefined },
  { wording: 'Prison support', meaning: undefined },
]);

export const DELIVERY_MECHANISMS = new CodeList<FundingType>([
  { wording: 'Direct payment', meaning: 'direct-payment', aliases: ['Direct payment (DP)', 'Direct payment only'] },
  {
    wording: 'CASSR managed personal budget',
    meaning: 'managed-budget',
    aliases: ['CASSR managed personal budget (PB)', 'Managed personal budget', 'Council managed personal budget'],
  },
  {
    wording: 'CASSR commissioned support',
    meaning: 'council',
    aliases: ['CASSR commissioned support only', 'Commissioned support', 'Council commissioned support'],
  },
]);

/** Who pays, where that overrides the Delivery Mechanism (undefined: it does not). */
export const CLIENT_FUNDING_STATUSES = new CodeList<FundingType | undefined>([
  { wording: 'Fully funded by CASSR', meaning: undefined, aliases: ['Fully funded by the LA', 'Fully LA funded', 'Funded by CASSR'] },
  { wording: 'Part funded by CASSR', meaning: undefined, aliases: ['Part funded by CASSR (client contribution)', 'Client contribution'] },
  {
    wording: 'Full cost client arranged by CASSR',
    meaning: undefined,
    aliases: ['Full cost client', 'Full cost client - arranged by CASSR', 'Full cost client arranged by CASSR (S18(3))'],
  },
  { wording: 'Self-funded', meaning: 'self-funded', aliases: ['Self funder', 'Self-funder', 'Self funded client', 'Privately funded'] },
  {
    wording: 'Fully NHS funded',
    meaning: 'nhs-continuing-healthcare',
    aliases: ['NHS funded', 'Fully funded by NHS', '100% NHS funded', 'NHS Continuing Healthcare', 'Continuing Healthcare'],
  },
  {
    wording: 'Jointly funded by CASSR and NHS',
    meaning: 'joint-funded',
    aliases: ['Joint funded', 'Jointly funded', 'Joint funded CASSR and NHS', 'Joint funding'],
  },
  { wording: 'Unknown', meaning: undefined, aliases: ['Not known'] },
]);

/** Hourly units make Planned units per week a number of hours; one-off costs have no weekly cost. */
export type CostFrequency = 'hourly' | 'one-off' | 'other';
export const COST_FREQUENCIES = new CodeList<CostFrequency>([
  { wording: 'Hourly', meaning: 'hourly', aliases: ['Per hour', 'Hour'] },
  { wording: 'Daily', meaning: 'other', aliases: ['Per day', 'Day'] },
  { wording: 'Nightly', meaning: 'other', aliases: ['Per night', 'Night'] },
  { wording: 'Weekly', meaning: 'other', aliases: ['Per week', 'Week'] },
  { wording: 'Fortnightly', meaning: 'other' },
  { wording: 'Four weekly', meaning: 'other', aliases: ['4 weekly', '4-weekly'] },
  { wording: 'Monthly', meaning: 'other', aliases: ['Per month', 'Month'] },
  { wording: 'Quarterly', meaning: 'other' },
  { wording: 'Annually', meaning: 'other', aliases: ['Yearly', 'Annual'] },
  { wording: 'Per session', meaning: 'other', aliases: ['Session'] },
  { wording: 'Per visit', meaning: 'other', aliases: ['Visit'] },
  { wording: 'Per item', meaning: 'other', aliases: ['Item', 'Per unit', 'Unit'] },
  { wording: 'One-off', meaning: 'one-off', aliases: ['One off', 'Single payment'] },
]);
