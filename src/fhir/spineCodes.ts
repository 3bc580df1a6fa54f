import { CodeableConcept, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * The NHS Spine error or warning codes, carried in every error and warning issue the facade emits
 * (OperationOutcome.issue.details.coding) so that a client built for NHS England's FHIR APIs can
 * switch on the same codes it already handles. `diagnostics` stays the facade's own sentence.
 *
 * The system is the canonical URL of the CodeSystem NHS England publishes (package uk.nhsdigital.r4,
 * CodeSystem "Spine-ErrorOrWarningCode" 2.1.0, https://simplifier.net/nhsdigital); PDS FHIR writes
 * the same codes under https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode, a path no
 * published CodeSystem answers to, so the canonical one is used here. The concepts and displays
 * below are that CodeSystem's, as UK Core republishes it unchanged
 * (NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN, codesystems/CodeSystem-UKCore-SpineErrorOrWarningCode.xml):
 * only codes that exist there are used. It has no code of its own for throttling, unsupported
 * media types or duplicates: those take the nearest (docs/errors.md lists every pairing).
 */
export const SPINE_ERROR_OR_WARNING_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode';

export const SPINE_CODES = {
  ACCESS_DENIED: 'Access has been denied to process this request',
  FAILURE_TO_PROCESS_MESSAGE: 'Failure to process message',
  UNABLE_TO_CALL_SERVICE: 'Unable to call service',
  UNSUPPORTED_SERVICE: 'Unsupported service',
  RESOURCE_NOT_FOUND: 'Resource not found',
  INVALID_RESOURCE_ID: 'Invalid resource ID',
  INVALIDATED_RESOURCE: 'Invalidated resource',
  INVALID_SEARCH_DATA: 'Invalid search data',
  TOO_MANY_MATCHES: 'Too many matches',
  PRECONDITION_FAILED: 'Precondition failed',
  RESOURCE_VERSION_MISMATCH: 'Resource version mismatch',
  FORBIDDEN_UPDATE: 'Forbidden update',
  VALIDATION_ERROR: 'Validation error',
  INVALID_UPDATE: 'Invalid update',
  MISSING_VALUE: 'Missing value',
  INVALID_VALUE: 'Invalid value',
  UNSUPPORTED_VALUE: 'Unsupported value',
  TOO_FEW_VALUES_SUBMITTED: 'Too few values submitted',
  TOO_MANY_VALUES_SUBMITTED: 'Too many values submitted',
  ADDITIONAL_PROPERTIES: 'Additional properties',
} as const;

export type SpineCode = keyof typeof SPINE_CODES;

/** The details of an issue: one coding from the Spine system. */
export function spineDetails(code: SpineCode): CodeableConcept {
  return { coding: [{ system: SPINE_ERROR_OR_WARNING_SYSTEM, code, display: SPINE_CODES[code] }] };
}

/**
 * The one mapping from what the facade says (the HTTP status and the FHIR issue type) to a Spine
 * code. A refusal that knows better names its own (outcome()'s `spine`), and the router refines a
 * few by the interaction (a bad search parameter is INVALID_SEARCH_DATA).
 */
export function spineCodeFor(code: OperationOutcomeIssue['code'], status: number): SpineCode {
  switch (code) {
    case 'security':
    case 'login':
    case 'unknown':
    case 'expired':
    case 'forbidden':
    case 'suppressed':
    // No throttling code exists in the system: being held back is access refused for now (Retry-After says when).
    case 'throttled':
      return 'ACCESS_DENIED';
    case 'not-found':
      return 'RESOURCE_NOT_FOUND';
    case 'deleted':
      return 'INVALIDATED_RESOURCE';
    case 'not-supported':
      // 404/405: the interaction or endpoint is not there; otherwise a value (a format, a modifier) it does not take.
      return status === 404 || status === 405 ? 'UNSUPPORTED_SERVICE' : 'UNSUPPORTED_VALUE';
    case 'required':
      return 'MISSING_VALUE';
    case 'conflict':
      return status === 409 ? 'RESOURCE_VERSION_MISMATCH' : 'PRECONDITION_FAILED';
    case 'duplicate':
      // A notice sent again with other content: a change the sender may not make this way.
      return 'FORBIDDEN_UPDATE';
    case 'multiple-matches':
      return 'TOO_MANY_MATCHES';
    case 'too-costly':
      return status === 413 || status === 431 ? 'TOO_MANY_VALUES_SUBMITTED' : 'TOO_MANY_MATCHES';
    case 'business-rule':
    case 'processing':
    case 'invariant':
      return 'VALIDATION_ERROR';
    case 'transient':
    case 'lock-error':
    case 'no-store':
      return status === 503 ? 'UNABLE_TO_CALL_SERVICE' : 'FAILURE_TO_PROCESS_MESSAGE';
    case 'exception':
    case 'timeout':
    case 'incomplete':
      return 'FAILURE_TO_PROCESS_MESSAGE';
    default:
      return status >= 500 ? 'FAILURE_TO_PROCESS_MESSAGE' : 'INVALID_VALUE';
  }
}

/** Spine codes describe errors and warnings: an informational issue (a success) carries none. */
function wantsCode(issue: OperationOutcomeIssue): boolean {
  return issue.severity !== 'information';
}

/**
 * The outcome with a Spine coding on each error and warning issue that has none yet, chosen from
 * the status it is answered with. Returns a copy; issues already coded are kept as they are.
 */
export function withSpineCodes(outcome: OperationOutcome, status: number): OperationOutcome {
  if (!outcome.issue?.some((i) => wantsCode(i) && !hasSpineCode(i))) return outcome;
  return {
    ...outcome,
    issue: outcome.issue.map((i) =>
      wantsCode(i) && !hasSpineCode(i)
        ? { ...i, details: { ...i.details, coding: [...(i.details?.coding ?? []), ...spineDetails(spineCodeFor(i.code, status)).coding!] } }
        : i,
    ),
  };
}

/** The Spine code an issue carries, if any. */
export function spineCodeOf(issue: OperationOutcomeIssue): SpineCode | undefined {
  return issue.details?.coding?.find((c) => c.system === SPINE_ERROR_OR_WARNING_SYSTEM)?.code as SpineCode | undefined;
}

function hasSpineCode(issue: OperationOutcomeIssue): boolean {
  return spineCodeOf(issue) !== undefined;
}

/**
 * Replaces the Spine code of the issues that carry one of `from` with `to`: the router's refinement
 * by interaction (a value refused in a search is search data; in an update, an invalid update).
 */
export function recodeSpine(outcome: OperationOutcome, from: SpineCode[], to: SpineCode): OperationOutcome {
  return {
    ...outcome,
    issue: outcome.issue.map((i) => {
      const code = spineCodeOf(i);
      if (!code || !from.includes(code)) return i;
      const others = i.details!.coding!.filter((c) => c.system !== SPINE_ERROR_OR_WARNING_SYSTEM);
      return { ...i, details: { ...i.details, coding: [...others, ...spineDetails(to).coding!] } };
    }),
  };
}
