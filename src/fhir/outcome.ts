import { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { AuditFacts } from '../audit/auditFacts';
import { SpineCode, spineDetails, withSpineCodes } from './spineCodes';

export type IssueCode = OperationOutcomeIssue['code'];

/**
 * A FHIR-level failure carried as a value: an HTTP status and the OperationOutcome that explains it.
 * Handlers throw it; the edge turns it into a response. Each error and warning issue leaves with a
 * Spine error code (spineCodes.ts), chosen here from the status unless the refusal named one.
 */
export class FhirError extends Error {
  /** What the refused request touched all the same, for its access record (the people withheld). */
  declare readonly audit?: AuditFacts;
  readonly outcome: OperationOutcome;

  constructor(
    readonly status: number,
    outcome: OperationOutcome,
    readonly headers: Record<string, string> = {},
  ) {
    super(outcome.issue?.map((i) => i.diagnostics).join('; '));
    this.outcome = withSpineCodes(outcome, status);
  }
}

/**
 * One issue as an OperationOutcome. `spine` names the Spine error code when the refusal knows
 * better than the mapping from status and issue type (an NHS number that is not one is
 * INVALID_RESOURCE_ID, not merely an invalid value).
 */
export function outcome(
  code: IssueCode,
  diagnostics: string,
  severity: OperationOutcomeIssue['severity'] = 'error',
  expression?: string[],
  spine?: SpineCode,
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, ...(spine ? { details: spineDetails(spine) } : {}), diagnostics, ...(expression ? { expression } : {}) }],
  };
}

export const badRequest = (diagnostics: string, expression?: string[], spine?: SpineCode) =>
  new FhirError(400, outcome('invalid', diagnostics, 'error', expression, spine));
export const notSupported = (diagnostics: string, expression?: string[]) =>
  new FhirError(400, outcome('not-supported', diagnostics, 'error', expression));
export const notFound = (diagnostics: string, spine?: SpineCode) => new FhirError(404, outcome('not-found', diagnostics, 'error', undefined, spine));
export const forbidden = (diagnostics: string) => new FhirError(403, outcome('forbidden', diagnostics));

/**
 * A refusal because the token's scopes do not reach what was asked (RFC 6750 §3.1
 * insufficient_scope): 403, and a WWW-Authenticate challenge naming the scope that would, which
 * the router completes with its realm. A refusal for another reason (the caller's organisation, a
 * restricted record) is a plain forbidden: no other token would change it.
 */
export class InsufficientScope extends FhirError {
  constructor(
    diagnostics: string,
    /** The scopes that would allow it, space-separated, e.g. "system/CarePlan.s". */
    readonly scope: string,
  ) {
    super(403, outcome('forbidden', diagnostics));
  }
}

/**
 * Refused for want of a scope: the scope is named in the token's own contexts (system/ for a
 * backend-services token; user/ or patient/ for a council IdP token that carries those).
 */
export function insufficientScope(
  diagnostics: string,
  type: string,
  permission: 'c' | 'r' | 'u' | 'd' | 's',
  grantedScope: string | undefined,
): InsufficientScope {
  const contexts = [...new Set([...(grantedScope ?? '').matchAll(/(?:^|\s)(system|user|patient)\//g)].map((m) => m[1]))];
  const scope = (contexts.length ? contexts : ['system']).map((c) => `${c}/${type}.${permission}`).join(' ');
  return new InsufficientScope(diagnostics, scope);
}

/**
 * An RFC 6750 §3 challenge: `Bearer realm="..."` and its attributes, quoted. Attribute values are
 * kept to the characters the RFC allows in them (%x20-21 / %x23-5B / %x5D-7E).
 */
export function bearerChallenge(realm: string, attributes: Record<string, string> = {}): string {
  const quoted = (v: string) => `"${v.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?')}"`;
  return ['Bearer realm=' + quoted(realm), ...Object.entries(attributes).map(([k, v]) => `${k}=${quoted(v)}`)].join(', ');
}

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
