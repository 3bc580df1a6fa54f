import { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { Request, Response } from 'express';
import { FhirError, outcome } from '../fhir/outcome';
import { withSpineCodes } from '../fhir/spineCodes';
import { FHIR_JSON } from './negotiation';
import { IllFormedBody } from './wellFormed';
import { isStoreUnavailable } from '../store/unavailable';

export function sendResource(res: Response, status: number, resource: Resource, headers: Record<string, string> = {}, json?: string) {
  res.status(status);
  res.set(headers);
  res.set('Content-Type', FHIR_JSON);
  // Serialise once (or not at all, when the caller has the JSON); Express would otherwise also hash the body for an ETag.
  res.end(json ?? JSON.stringify(resource));
}

/** How long a caller is asked to wait when the store is unavailable (Retry-After, seconds). */
export const RETRY_AFTER_SECONDS = 5;

/**
 * The status a failure is answered with: a FhirError's own, a client error raised by Express's
 * parsers (4xx), 503 when the store is unavailable (store/unavailable.ts: the same list for the
 * FHIR API and the token endpoint), else 500. The audit records the same status the caller is sent.
 */
export function statusOf(err: unknown): number {
  if (err instanceof FhirError) return err.status;
  if (isStoreUnavailable(err)) return 503;
  const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

/**
 * Every failure leaves as an OperationOutcome, its issues carrying their Spine error codes
 * (fhir/spineCodes.ts); anything unexpected is logged and reported without detail.
 */
/** For the paths outside the FHIR base that are only read (health, metrics): any other method is 405. */
export function onlyGetOrHead(req: Request, res: Response): void {
  sendError(res, new FhirError(405, outcome('not-supported', `${req.method} is not supported here: use GET or HEAD`), { Allow: 'GET, HEAD' }), () => undefined);
}

/** Logs an unexpected failure; given the response, as part of that request (its request id). */
export type ErrorLog = (err: unknown, res?: Response) => void;

export function sendError(res: Response, err: unknown, log: ErrorLog) {
  if (err instanceof FhirError) {
    sendResource(res, err.status, err.outcome, err.headers);
    return;
  }
  const status = statusOf(err);
  if (status === 503) {
    log(err, res);
    sendOutcome(res, 503, outcome('transient', 'The store is unavailable just now; try again shortly'), { 'Retry-After': String(RETRY_AFTER_SECONDS) });
    return;
  }
  if (status !== 500) {
    // Errors raised by Express's own parsers (bad JSON, body too large, bad encoding).
    const message =
      (err as { type?: string }).type === 'entity.parse.failed' && !(err instanceof IllFormedBody)
        ? `The request body is not valid JSON: ${(err as Error).message}`
        : (err as Error).message;
    sendOutcome(res, status, outcome(status === 413 ? 'too-costly' : 'invalid', message));
    return;
  }
  log(err, res);
  sendOutcome(res, 500, outcome('exception', 'The server could not complete the request; it has been logged'));
}

function sendOutcome(res: Response, status: number, answer: OperationOutcome, headers: Record<string, string> = {}) {
  sendResource(res, status, withSpineCodes(answer, status), headers);
}
