import { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { AuditFacts } from '../audit/auditFacts';

export type IssueCode = OperationOutcomeIssue['code'];

/**
 * A FHIR-level failure carried as a value: an HTTP status and the OperationOutcome that explains it.
 * Handlers throw it; the edge turns it into a response.
 */
export class FhirError extends Error {
  /** What the refused request touched all the same, for its access record (the people withheld). */
  declare readonly audit?: AuditFacts;

  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome,
    readonly headers: Record<string, string> = {},
  ) {
    super(outcome.issue?.map((i) => i.diagnostics).join('; '));
  }
}

export function outcome(
  code: IssueCode,
  diagnostics: string,
  severity: OperationOutcomeIssue['severity'] = 'error',
  expression?: string[],
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, diagnostics, ...(expression ? { expression } : {}) }],
  };
}

export const badRequest = (diagnostics: string, expression?: string[]) =>
  new FhirError(400, outcome('invalid', diagnostics, 'error', expression));
export const notSupported = (diagnostics: string, expression?: string[]) =>
  new FhirError(400, outcome('not-supported', diagnostics, 'error', expression));
export const notFound = (diagnostics: string) => new FhirError(404, outcome('not-found', diagnostics));
export const forbidden = (diagnostics: string) => new FhirError(403, outcome('forbidden', diagnostics));

/**
 * A refusal because the record is restricted: 403 with whom to call, carrying the people withheld
 * (audit.withheld) so the attempt is audited and their worker told.
 */
export class WithheldRecord extends FhirError {
  override readonly audit: AuditFacts;

  constructor(outcomeResource: OperationOutcome, withheld: string[]) {
    super(403, outcomeResource);
    this.audit = { withheld };
  }
}
