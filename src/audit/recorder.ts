import { randomUUID } from 'node:crypto';
import { Resource } from '@medplum/fhirtypes';
import { Caller } from '../access/context';
import { AccessRecord } from '../domain/audit';
import { AccessNotifier } from './accessNotifier';
import { AuditFacts } from './auditFacts';
import { accessRecord, interactionOf, interactionOfUrl, RequestFacts, touchedBy } from './accessRecords';

/** Where records go: the audit trail (group commit), or a test's stand-in. */
export interface AccessRecordSink {
  record(record: AccessRecord): Promise<void>;
}

/** The facade itself, as the client of its own maintenance (the retention purge). */
export const FACADE_CLIENT_ID = 'social-care-fhir-facade';

/**
 * The one place access records are built: FHIR interactions, token requests, requests refused
 * before routing, and maintenance. The edges hand it plain facts and await it; each promise settles
 * once the record is durable (and, for a read by an outside organisation, its notification stored),
 * and rejects when it could not be: the edge then answers 503 and serves nothing.
 */
export class AuditRecorder {
  constructor(
    /** Where records go; readiness and metrics read the audit trail's state from it. */
    readonly trail: AccessRecordSink,
    private readonly notifier?: Pick<AccessNotifier, 'notify'>,
  ) {}

  /**
   * A FHIR interaction, answered or refused: the request (path below the FHIR base), the status
   * sent, the caller when known, what the answer held (`returned`), what else it touched (`audit`),
   * and the error text of a refusal. Reads and searches by outside organisations are notified.
   */
  async fhirInteraction(input: {
    request: RequestFacts;
    status: number;
    caller?: Caller;
    returned?: Resource;
    audit?: AuditFacts;
    error?: string;
  }): Promise<void> {
    const { request, status, caller } = input;
    const withheld = input.audit?.withheld ?? [];
    const routed = interactionOf(request.method, request.path);
    const interaction = input.audit?.interaction ?? routed.interaction;
    const resourceType = routed.resourceType;
    const touched = touchedBy(input.returned ?? input.audit?.resource, request.query);
    touched.personIds = [...new Set([...touched.personIds, ...withheld])];
    await Promise.all([
      this.trail.record(accessRecord({ facts: request, interaction, status, description: input.error, caller, resourceType, touched })),
      // Reads by outside organisations are told to the people's workers; writes (notices) are not looks.
      interaction === 'read' || interaction === 'search'
        ? this.notifier?.notify(caller, status < 400 ? touched.personIds.filter((id) => !withheld.includes(id)) : [], withheld)
        : undefined,
    ]);
  }

  /** A token request, granted or refused, with the client it named (unverified when refused). */
  tokenRequest(input: { request: RequestFacts; status: number; clientId?: string; description: string }): Promise<void> {
    return this.trail.record(
      accessRecord({
        facts: input.request,
        interaction: 'token',
        status: input.status,
        description: input.description,
        clientId: input.clientId,
        purpose: 'TREAT',
      }),
    );
  }

  /**
   * A request refused before it reached a route (the HTTP parser's refusals, HTTP/1.1 without
   * Host): the path is the full one, as received, and there is no caller.
   */
  unroutedRequest(input: { request: RequestFacts; status: number; description: string }): Promise<void> {
    const { interaction, resourceType } = interactionOfUrl(input.request.method, input.request.path);
    return this.trail.record(
      accessRecord({
        facts: input.request,
        interaction,
        resourceType,
        status: input.status,
        description: input.description,
        touched: touchedBy(undefined, input.request.query),
      }),
    );
  }

  /**
   * An import of the council's data, whatever its outcome: who ran it (a client over HTTP, or a
   * person at the store's machine), the files by name and SHA-256, and what it changed.
   */
  dataImport(input: {
    importId: string;
    kind: string;
    outcome: 'applied' | 'dry-run' | 'refused' | 'failed';
    description: string;
    clientId?: string;
    organization?: string;
    user?: string;
    requestId?: string;
  }): Promise<void> {
    const status = input.outcome === 'failed' ? 500 : input.outcome === 'refused' ? 422 : 200;
    const record = accessRecord({
      facts: { requestId: input.requestId ?? randomUUID(), method: 'POST', path: '/$import', query: `kind=${input.kind}`, headers: () => undefined },
      interaction: 'operation',
      status,
      description: input.description,
      clientId: input.clientId ?? FACADE_CLIENT_ID,
      purpose: 'HOPERAT',
    });
    record.organization = input.organization;
    if (input.user) record.user = { name: input.user };
    record.entities = [`import/${input.importId}`];
    return this.trail.record(record);
  }

  /** A retention purge, so the trail shows its own gaps: how many records, recorded before when. */
  retentionPurge(input: { removed: number; cutoff: string; retentionDays: number }): Promise<void> {
    return this.trail.record(
      accessRecord({
        facts: { requestId: randomUUID(), method: 'DELETE', path: '/AuditEvent', headers: () => undefined },
        interaction: 'purge',
        status: 200,
        description: `Retention purge: removed ${input.removed} access record(s) recorded before ${input.cutoff} (retention ${input.retentionDays} days)`,
        resourceType: 'AuditEvent',
        clientId: FACADE_CLIENT_ID,
        purpose: 'HOPERAT',
      }),
    );
  }
}
