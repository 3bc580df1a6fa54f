/**
 * Validation of a resource against one of the profiles in profiles/: @medplum/core's
 * validateResource (over the medplum view of the snapshot, see medplumView.ts) plus the checks it
 * does not make, or does not report at the value's path (profileChecks.ts). Used by the $validate operation and by the tests that
 * validate everything the facade emits.
 */
import { getAllDataTypes, InternalTypeSchema, OperationOutcomeError, parseStructureDefinition, validateResource } from '@medplum/core';
import type { CodeSystem, OperationOutcomeIssue, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { loadProfilesForValidation } from './loadProfiles';
import { ProfileChecker } from './profileChecks';
import { PROFILES_DIR, readAllConformanceFiles } from './profileFiles';
import { TerminologyIndex } from './terminologyIndex';

export interface ProfileValidator {
  /** The profiles it can validate against, by canonical URL (standard snapshots). */
  readonly profiles: ReadonlyMap<string, StructureDefinition>;
  /**
   * Every problem found, errors and warnings, each with an `expression`. Throws only when the
   * profile is unknown or does not apply to the resource's type.
   */
  validate(resource: Resource, profileUrl: string): OperationOutcomeIssue[];
}

export class UnknownProfileError extends Error {}

const validators = new Map<string, ProfileValidator>();

/** One validator per profiles folder and process: indexing the R4 base and our profiles takes about a second. */
export function profileValidator(profilesDir: string = PROFILES_DIR): ProfileValidator {
  let validator = validators.get(profilesDir);
  if (!validator) {
    validator = createProfileValidator(profilesDir);
    validators.set(profilesDir, validator);
  }
  return validator;
}

function createProfileValidator(profilesDir: string): ProfileValidator {
  const resources = readAllConformanceFiles(profilesDir).map((f) => f.resource);
  const standard = new Map(
    resources
      .filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition' && !!r.snapshot && !!r.url)
      .map((sd) => [sd.url as string, sd]),
  );
  const medplumViews = loadProfilesForValidation(profilesDir);
  const terminology = new TerminologyIndex(
    resources.filter((r): r is CodeSystem | ValueSet => r.resourceType === 'CodeSystem' || r.resourceType === 'ValueSet'),
  );
  const checker = new ProfileChecker(standard.values(), terminology);
  const parsed = new Map<string, InternalTypeSchema>();

  return {
    profiles: standard,
    validate(resource, profileUrl) {
      const profile = standard.get(profileUrl);
      const view = medplumViews.get(profileUrl);
      if (!profile || !view) throw new UnknownProfileError(`Unknown profile ${profileUrl}`);
      if (profile.kind !== 'resource' || profile.type !== resource.resourceType) {
        throw new UnknownProfileError(`${profileUrl} is a profile of ${profile.type}, not ${resource.resourceType}`);
      }
      let issues: OperationOutcomeIssue[];
      try {
        let schema = parsed.get(profileUrl);
        if (!schema) parsed.set(profileUrl, (schema = parseStructureDefinition(view)));
        issues = validateWithParsedProfile(resource, schema);
      } catch (err) {
        if (!(err instanceof OperationOutcomeError)) throw err;
        issues = err.outcome.issue ?? [];
      }
      // Medplum only warns about reference targets (for R4 base targets); the checker reports them as errors.
      issues = issues.filter((i) => !(i.severity === 'warning' && i.details?.text?.startsWith('Invalid reference')));
      return [...issues, ...checker.check(resource, profileUrl)];
    },
  };
}

/**
 * The same as `validateResource(resource, { profile })`, without parsing the profile again.
 * Medplum 5.x, like 4.x, parses the StructureDefinition it is given on every call: on 5.2 about
 * 7 ms for the hospital notice profile and 28 ms for the Patient profile, some 15 times the
 * validation itself. Over 2,000 sandbox resources of each profiled type, medplum's part runs 6 to 27
 * times faster with the profile parsed once (Patient 29 ms a resource against 1.1 ms; CareTeam,
 * the smallest gain, 3.4 ms against 0.6 ms). Given no profile, it validates against the schema its
 * type registry holds for the resource's type; so the registry's entry for that type points at the
 * profile parsed once, just for this synchronous call (no other validation can run in between),
 * and is put back at once. One difference: a contained resource of the same type as the resource
 * itself is checked against the profile too, so more strictly, never less. A test keeps this equal
 * to `validateResource(resource, { profile })`.
 */
export function validateWithParsedProfile(resource: Resource, schema: InternalTypeSchema): OperationOutcomeIssue[] {
  const types = getAllDataTypes();
  const type = resource.resourceType;
  const base = types[type];
  types[type] = schema;
  try {
    return validateResource(resource);
  } finally {
    types[type] = base;
  }
}

/** Only the errors, as `expression: text` lines: handy in test assertions. */
export function errorLines(issues: OperationOutcomeIssue[]): string[] {
  return issues
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => `${i.expression?.join(', ') ?? '(resource)'}: ${i.details?.text ?? i.diagnostics ?? i.code}`);
}
