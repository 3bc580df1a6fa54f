import { DataSource } from './person';

/**
 * A needs assessment or a review of a person's care and support (Care Act 2014 ss9-13, s27), as
 * the CLD return records them: what kind, when, how it was done and how it ended. Only the event and
 * its outcome are held here; the assessment's content stays in the case-management system.
 */
export type AssessmentKind = 'assessment' | 'review';
export type AssessmentStatus = 'in-progress' | 'completed';

export interface Assessment {
  /** The council's event reference (CLD Event Reference). */
  id: string;
  personId: string;
  kind: AssessmentKind;
  status: AssessmentStatus;
  /** CLD Assessment Type (e.g. "Long Term Support: Care Act assessment") or, for a review, Review Reason. */
  type?: string;
  startDate: string;
  endDate?: string;
  /** CLD Event Outcome (e.g. "Long Term Support (any)", "NFA: Self-funded client"). */
  outcome?: string;
  /** CLD Method of Assessment / Method of Review (e.g. "Face to face", "Telephone"). */
  method?: string;
  /** Assessments: CLD Eligible Needs Identified. */
  eligibleNeeds?: boolean;
  /** Reviews: CLD Review Outcomes Achieved (e.g. "Outcomes fully met"). */
  outcomesAchieved?: string;
  source?: DataSource;
}
