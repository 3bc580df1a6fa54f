/**
 * Minimum-necessary views: what each kind of caller sees. A client's view is declared in the client
 * registry (or by the council IdP setting), carried in its token, and applied here and in the
 * mappings, nowhere else.
 *
 * - health (default): direct care in hospital, A&E, GP and community health: that a care package
 *   exists, its type, dates, funding, provider and contacts; the allocated worker or duty team and
 *   their numbers; that a safeguarding concern is open and whom to call. Not package details (hours,
 *   tasks, costs, notes), not the type of a concern, not closed concerns.
 * - social-care: council social-care staff: adds package details, concern types, closed concerns, and
 *   the council's own findings (primary support reason, accommodation status, what an assessment found).
 * - social-care-restricted: as social-care, and also the restricted records (sensitive records,
 *   objections to sharing), for the council's own safeguarding and case-management systems.
 */
export const VIEW_NAMES = ['health', 'social-care', 'social-care-restricted'] as const;
export type View = (typeof VIEW_NAMES)[number];

export interface ViewRules {
  /** Care package details: hours, visits, tasks, costs, notes. */
  packageDetails: boolean;
  /** The type of a safeguarding concern (e.g. financial abuse). */
  concernTypes: boolean;
  /** Safeguarding concerns that are closed. */
  closedConcerns: boolean;
  /** People whose records are restricted. */
  restrictedRecords: boolean;
  /**
   * The council's own classifications and findings: a person's primary support reason and
   * accommodation status, an assessment's method, eligible needs and outcomes achieved.
   */
  councilFindings: boolean;
}

const RULES: Record<View, ViewRules> = {
  health: { packageDetails: false, concernTypes: false, closedConcerns: false, restrictedRecords: false, councilFindings: false },
  'social-care': { packageDetails: true, concernTypes: true, closedConcerns: true, restrictedRecords: false, councilFindings: true },
  'social-care-restricted': { packageDetails: true, concernTypes: true, closedConcerns: true, restrictedRecords: true, councilFindings: true },
};

export function viewRules(view: View): ViewRules {
  return RULES[view];
}

export function isView(name: unknown): name is View {
  return typeof name === 'string' && (VIEW_NAMES as readonly string[]).includes(name);
}
