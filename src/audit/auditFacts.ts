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
}
