/**
 * A safeguarding concern (Care Act 2014 s42). Only its existence, type, dates and the team to
 * contact are held here: the details stay in the case-management system and are never shared.
 */
export const CONCERN_TYPES = {
  physical: 'Physical abuse',
  'domestic-abuse': 'Domestic abuse',
  sexual: 'Sexual abuse',
  psychological: 'Psychological or emotional abuse',
  financial: 'Financial or material abuse',
  'modern-slavery': 'Modern slavery',
  discriminatory: 'Discriminatory abuse',
  organisational: 'Organisational abuse',
  neglect: 'Neglect and acts of omission',
  'self-neglect': 'Self-neglect',
} as const;
export type ConcernType = keyof typeof CONCERN_TYPES;

export type ConcernStatus = 'open' | 'closed';

export interface SafeguardingConcern {
  id: string;
  personId: string;
  status: ConcernStatus;
  concernType: ConcernType;
  raisedDate: string;
  closedDate?: string;
  /** The team to ring about it (usually the safeguarding hub or the allocated worker's team). */
  contactTeamId: string;
}
