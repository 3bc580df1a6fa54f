import { randomUUID } from 'node:crypto';
import { ServerResponse } from 'node:http';
import { RequestHandler } from 'express';
import { correlationIdOf, isValidTraceId } from '../audit/accessRecords';

/**
 * Every answer carries X-Request-ID: the caller's own when valid (isValidTraceId), else a new
 * UUID. It names the request in the access log line and in its AuditEvent, so a caller quoting it
 * leads an operator to both. A valid X-Correlation-ID (the caller's clinical transaction) is
 * echoed back; an invalid one is ignored, neither echoed nor refused.
 */
export function requestIds(): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    res.set('X-Request-ID', isValidTraceId(given) ? given : randomUUID());
    const correlationId = correlationIdOf((name) => req.get(name));
    if (correlationId) res.set('X-Correlation-ID', correlationId);
    next();
  };
}

/** The request id this answer carries (set by requestIds before anything else runs). */
export function requestIdOf(res: ServerResponse): string {
  return String(res.getHeader('X-Request-ID'));
}

/** The correlation id echoed on this answer, if the caller sent a valid one. */
export function correlationIdEchoed(res: ServerResponse): string | undefined {
  const v = res.getHeader('X-Correlation-ID');
  return typeof v === 'string' ? v : undefined;
}
