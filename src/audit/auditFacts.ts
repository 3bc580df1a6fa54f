import { Resource } from '@medplum/fhirtypes';

/**
 * What a FHIR interaction touched, for its access record, beyond what its answer shows: the
 * resource written when the answer carries less (Prefer: return=minimal), and the restricted
 * people it reached but did not disclose (audited and notified all the same). Carried the same
 * way by an answer (FhirResult.audit) and by a refusal (FhirError.audit).
 */
export interface AuditFacts {
  resource?: Resource;
  withheld?: string[];
  /** The interaction, when the request's method and path do not say it (a batch Bundle, not a transaction). */
  interaction?: 'batch';
  /**
   * The entries of a transaction or batch Bundle, each recorded as if it had been sent on its own
   * (its interaction, the people it touched, its refusal); the Bundle's own record names no one.
   */
  entries?: EntryFacts[];
}

/** One entry of a Bundle, as its own access record sees it. */
export interface EntryFacts {
  method: string;
  /** Below the FHIR base, e.g. "/CarePlan/PKG-1". */
  path: string;
  query?: string;
  status: number;
  /** What the entry touched: the resource it answered or wrote. */
  returned?: Resource;
  facts?: AuditFacts;
  /** A refusal's words. */
  error?: string;
}
