import { InboundMapping } from './inbound';
import { carePlanInbound } from './carePlan';
import { careTeamInbound } from './careTeam';
import { flagInbound } from './flag';
import { organizationInbound } from './organization';
import { patientInbound } from './patient';
import { practitionerInbound } from './practitioner';
import { practitionerRoleInbound } from './practitionerRole';
import { procedureInbound } from './procedure';
import { relatedPersonInbound } from './relatedPerson';

export type { InboundMapping, RequiredReference } from './inbound';

/** The resource types the council's integration engine may write, each with its mapping into the domain. */
export const INBOUND_MAPPINGS = {
  Patient: patientInbound,
  CarePlan: carePlanInbound,
  Flag: flagInbound,
  CareTeam: careTeamInbound,
  Organization: organizationInbound,
  Practitioner: practitionerInbound,
  PractitionerRole: practitionerRoleInbound,
  RelatedPerson: relatedPersonInbound,
  Procedure: procedureInbound,
} satisfies Record<string, InboundMapping>;

export type InboundResourceType = keyof typeof INBOUND_MAPPINGS;
