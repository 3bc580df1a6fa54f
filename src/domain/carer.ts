import { DataSource } from './person';

/**
 * An unpaid carer and the adult they care for: both are people the council knows (a carer has
 * their own CLD rows, and names whom they care for in Adult n Linked Person_ID). A discharge team
 * needs to know someone cares for the person, who, and how to reach them.
 */
export type CareRelationshipStatus = 'active' | 'ended';

export interface CareRelationship {
  id: string;
  /** The carer: a person record of their own. */
  carerId: string;
  /** The adult they care for. */
  caredForId: string;
  status: CareRelationshipStatus;
  startDate?: string;
  endDate?: string;
  /** CLD Total Hrs Caring per week, in its own banding (e.g. "20-34", "50+"). */
  hoursCaringPerWeek?: string;
  /** How the carer is related to the person, in words (e.g. "Sister"); CLD does not say. */
  relationship?: string;
  source?: DataSource;
  /** The import that ended it because its CLD return no longer held it. */
  endedBy?: string;
}
