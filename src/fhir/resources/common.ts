import { Address, ContactPoint as FhirContactPoint, Meta, Reference } from '@medplum/fhirtypes';
import { ContactPoint, PostalAddress } from '../../domain/person';
import { Stored } from '../../store/store';
import { CriterionField, EntityKind, KindWithField } from '../../store/criteria';
import { SearchParamDefinition } from '../definition';
import { alternatives, instantCriterion, parseToken, stringCriterion } from '../searchValues';

/** Shared pieces of the domain -> FHIR mappings. */

export function meta(stored: Stored<unknown>, profile: string): Meta {
  return { versionId: String(stored.version), lastUpdated: stored.lastUpdated, profile: [profile] };
}

// Reference<any>: the target type is carried by the `type` string, not the TypeScript type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function reference(type: string, id: string, display?: string): Reference<any> {
  return display ? { reference: `${type}/${id}`, display } : { reference: `${type}/${id}` };
}

/** Office numbers and e-mail; out-of-hours numbers go in a labelled contact of their own. */
export function officeTelecom(points: ContactPoint[]): FhirContactPoint[] {
  return points.filter((p) => p.use !== 'out-of-hours').map(toFhirTelecom);
}

export function outOfHoursTelecom(points: ContactPoint[]): FhirContactPoint[] {
  return points.filter((p) => p.use === 'out-of-hours').map((p) => ({ ...toFhirTelecom(p), use: 'work' }));
}

export function toFhirTelecom(p: ContactPoint): FhirContactPoint {
  const use = p.use === 'out-of-hours' ? 'work' : p.use;
  return use ? { system: p.system, value: p.value, use } : { system: p.system, value: p.value };
}

export function toFhirAddress(a: PostalAddress | undefined, use: Address['use']): Address[] | undefined {
  if (!a) return undefined;
  const address: Address = { use };
  // An address the council holds only the postcode of has no lines: FHIR has no empty arrays.
  const lines = a.lines.map((l) => l.trim()).filter(Boolean);
  if (lines.length) address.line = lines;
  if (a.city) address.city = a.city;
  if (a.district) address.district = a.district;
  if (a.postcode) address.postalCode = a.postcode;
  return Object.keys(address).length > 1 ? [address] : undefined;
}


/**
 * `_id`, which every type supports: every entity has an `id` field (K's constraint says so). The
 * compiler cannot see that `id` is a field of a K not yet known, hence the cast.
 */
export function idParam<K extends KindWithField<'id'>>(): SearchParamDefinition<K> {
  return {
    type: 'token',
    documentation: 'The logical id of the resource.',
    expression: 'Resource.id',
    definition: 'http://hl7.org/fhir/SearchParameter/Resource-id',
    toCriterion: (use) => ({ field: 'id' as CriterionField<K>, match: 'any-of', values: alternatives(use.value) }),
  };
}

/** patient/ scopes confine records about a person by their `patient` search parameter. */
export const byPatientParam = (patientId: string): Record<string, string> => ({ patient: `Patient/${patientId}` });

/** Directory data (services and staff) holds nothing about a person: a patient/ scope reaches it as written. */
export const outsidePatientCompartment = (): Record<string, string> => ({});

/**
 * A name parameter: starts with, case-insensitive, with :exact and :contains. `what` opens its
 * documentation ("Family name", "Any part of the name").
 */
export function stringParam<K extends EntityKind>(
  field: CriterionField<K>,
  what: string,
  expression: string,
  definition: string,
): SearchParamDefinition<K> {
  return {
    type: 'string',
    documentation: `${what}: starts with, case-insensitive; :exact and :contains supported.`,
    modifiers: ['exact', 'contains'],
    expression,
    definition,
    toCriterion: (use) => stringCriterion(field, use),
  };
}

/** A date parameter over an instant (a time of sending, a time of change). */
export function instantParam<K extends EntityKind>(
  field: CriterionField<K>,
  documentation: string,
  expression: string,
  definition?: string,
): SearchParamDefinition<K> {
  return { type: 'date', documentation, expression, definition, toCriterion: (use) => instantCriterion(field, use) };
}

/**
 * `_lastUpdated`, for types whose records keep the time of their last change: only entities with a
 * `lastUpdated` field may have it (K's constraint), which the cast restates for a K not yet known.
 */
export function lastUpdatedParam<K extends KindWithField<'lastUpdated'>>(): SearchParamDefinition<K> {
  return instantParam<K>(
    'lastUpdated' as CriterionField<K>,
    'When the resource last changed, with prefixes (e.g. _lastUpdated=gt2026-11-23T09:00:00Z): how a system polls for what is new.',
    'Resource.meta.lastUpdated',
    'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated',
  );
}

/**
 * `identifier` for a type whose only identifier is the council's own id of the record (a package's,
 * a worker's): system|value, or the value alone, finds the record of that id. What a conditional
 * write (PUT CarePlan?identifier=...) picks its record out by.
 */
export function ownIdentifierParam<K extends KindWithField<'id'>>(system: string, what: string, expression: string, definition: string): SearchParamDefinition<K> {
  return {
    type: 'token',
    documentation: `${what} (system ${system}).`,
    expression,
    definition,
    toCriterion: (use) => {
      const values = alternatives(use.value)
        .map((alt) => parseToken(alt))
        .filter((t) => t.system === undefined || t.system === system)
        .map((t) => t.code);
      return values.length ? { field: 'id' as CriterionField<K>, match: 'any-of', values } : { match: 'nothing' };
    },
  };
}
