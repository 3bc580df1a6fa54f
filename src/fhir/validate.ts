/**
 * `POST [type]/$validate` (http://hl7.org/fhir/OperationDefinition/Resource-validate): checks a
 * resource against the facade's profile for the type (or `?profile=` / a Parameters `profile`),
 * plus the type's own acceptance checks (what create would refuse), and answers 200 with an
 * OperationOutcome listing every problem with its expression. Problems with the request itself
 * (no resource, the wrong type, an unknown profile) are 400.
 */
import { OperationOutcome, OperationOutcomeIssue, Parameters, Resource } from '@medplum/fhirtypes';
import { profileValidator, UnknownProfileError } from '../conformance/validator';
import { ResourceDefinition } from './definition';
import { badRequest, FhirError, notSupported, outcome } from './outcome';

export const VALIDATE_OPERATION = {
  name: 'validate',
  definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
} as const;

interface ValidateInput {
  resource: Resource;
  profile: string;
}

export function validateOperation(def: ResourceDefinition, query: Record<string, string[]>, body: unknown): OperationOutcome {
  const input = readInput(def, query, body);
  let issues: OperationOutcomeIssue[];
  try {
    issues = profileValidator().validate(input.resource, input.profile);
  } catch (err) {
    if (err instanceof UnknownProfileError) {
      throw new FhirError(
        400,
        outcome('not-found', `${err.message}: GET StructureDefinition?url=... lists the profiles this server knows`, 'error', ['profile']),
      );
    }
    throw err;
  }
  const typeChecks = (def.writes?.check?.(input.resource) ?? []).map(
    (i): OperationOutcomeIssue => ({ severity: 'error', code: 'business-rule', diagnostics: i.message, expression: [i.expression] }),
  );
  const all = [...issues, ...typeChecks].map((i) => withExpression(i, def.type));
  if (!all.some((i) => i.severity === 'error' || i.severity === 'fatal' || i.severity === 'warning')) {
    all.push({
      severity: 'information',
      code: 'informational',
      diagnostics: `No problems found: valid against ${input.profile}`,
      expression: [def.type],
    });
  }
  return { resourceType: 'OperationOutcome', issue: all };
}

/** The resource and profile from the body (a resource, or Parameters with `resource` and `profile`) and `?profile=`. */
function readInput(def: ResourceDefinition, query: Record<string, string[]>, body: unknown): ValidateInput {
  if (!isObject(body)) {
    throw badRequest(`$validate needs a body: a ${def.type} (application/fhir+json), or Parameters with a "resource" parameter`);
  }
  let resource: unknown = body;
  let profile: string | undefined;
  if (body.resourceType === 'Parameters' && def.type !== 'Parameters') {
    const params = (body as unknown as Parameters).parameter ?? [];
    resource = params.find((p) => p.name === 'resource')?.resource;
    const profileParam = params.find((p) => p.name === 'profile');
    profile = profileParam?.valueUri ?? profileParam?.valueCanonical ?? profileParam?.valueString;
    if (profileParam && !profile) throw badRequest('The "profile" parameter needs a valueUri or valueCanonical', ['Parameters.parameter']);
    const mode = params.find((p) => p.name === 'mode')?.valueCode;
    if (mode && !['create', 'update', 'profile'].includes(mode)) {
      throw notSupported(`mode=${mode} is not supported: this server validates resources (modes create, update, profile)`, ['Parameters.parameter']);
    }
    if (!isObject(resource)) throw badRequest('Parameters for $validate need a "resource" parameter holding the resource', ['Parameters.parameter']);
  }
  if ((resource as { resourceType?: unknown }).resourceType !== def.type) {
    throw badRequest(
      `${def.type}/$validate validates a ${def.type}, not ${JSON.stringify((resource as { resourceType?: unknown }).resourceType ?? 'a body without resourceType')}`,
      ['resourceType'],
    );
  }
  const fromQuery = query.profile;
  if (fromQuery && fromQuery.length > 1) throw badRequest('profile may be given only once', ['profile']);
  if (fromQuery?.[0] !== undefined) {
    if (profile !== undefined && profile !== fromQuery[0]) {
      throw badRequest('Two different profiles: one in ?profile= and one in the Parameters body', ['profile']);
    }
    profile = fromQuery[0];
  }
  return { resource: resource as Resource, profile: profile ?? def.profile };
}

function withExpression(issue: OperationOutcomeIssue, type: string): OperationOutcomeIssue {
  return issue.expression?.length ? issue : { ...issue, expression: [type] };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
