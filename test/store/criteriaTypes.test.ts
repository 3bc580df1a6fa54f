/**
 * Criterion field names are checked by the compiler for a known entity kind: this file compiles
 * only while the misspelt fields below are refused (typeLevelChecks.test.ts compiles it under npm test).
 */
import { Criterion, FieldName } from '../../src/store/criteria';
import { TABLES } from '../../src/store/tables';
import { ResourceDefinition, SearchParamDefinition } from '../../src/fhir/definition';
import { idParam, lastUpdatedParam } from '../../src/fhir/resources/common';
import { personReferenceParam } from '../../src/fhir/resources/personReference';
import { referenceCriterion, stringCriterion } from '../../src/fhir/searchValues';
import type { Store } from '../../src/store/store';

/** The search and policy parts of a definition over kind K: what these checks are about. */
type SearchAndPolicy<K extends 'person' | 'carePackage' | 'contact' | 'worker'> = Pick<
  ResourceDefinition<K>,
  'entity' | 'searchParams' | 'personField' | 'ownerOdsField' | 'baseCriteria' | 'viewCriteria'
>;

describe('criterion field names', () => {
  it('accepts the fields of the kind it is over, nested criteria over their own kind', () => {
    const byNhsNumber: Criterion<'person'> = { field: 'nhsNumber', match: 'any-of', values: ['9990000018'] };
    const packages: Criterion<'carePackage'>[] = [
      { field: 'period', match: 'range', op: 'ge', start: '2026-01-01', end: '2026-01-01' },
      { field: 'personId', match: 'in', kind: 'person', where: [byNhsNumber] },
      { match: 'any', groups: [[{ field: 'status', match: 'any-of', values: ['active'] }], [{ field: 'providerId', match: 'missing', missing: true }]] },
    ];
    // Criteria for a known kind go wherever kind-agnostic criteria do (the store's search, the FHIR layer).
    const anyKind: Criterion[] = packages;
    expect(anyKind).toHaveLength(3);
    const field: FieldName<'worker'> = 'teamId';
    expect(Object.keys(TABLES.worker.fields)).toContain(field);
  });

  it('refuses a misspelt field at compile time', () => {
    // @ts-expect-error nhsNumbr is not a field of person
    const typo: Criterion<'person'> = { field: 'nhsNumbr', match: 'any-of', values: ['9990000018'] };
    const nested: Criterion<'carePackage'> = {
      field: 'personId',
      match: 'in',
      kind: 'person',
      // @ts-expect-error a chained search's criteria are over the target kind: people have no providerId
      where: [{ field: 'providerId', match: 'any-of', values: ['ORG-1'] }],
    };
    // @ts-expect-error teamid: field names are case-sensitive
    const worker: FieldName<'worker'> = 'teamid';
    expect([typo, nested, worker]).toHaveLength(3);
  });

  it('checks a resource definition against its own entity', () => {
    const packages: SearchAndPolicy<'carePackage'> = {
      entity: 'carePackage',
      searchParams: {
        _id: idParam(),
        patient: personReferenceParam('personId', 'The person.', 'CarePlan.subject', 'http://hl7.org/fhir/SearchParameter/clinical-patient'),
        performer: {
          type: 'reference',
          documentation: 'The provider.',
          expression: 'CarePlan.performer',
          toCriterion: (use) => referenceCriterion('providerId', 'Organization', use),
        },
      },
      personField: 'personId',
      viewCriteria: () => [{ field: 'status', match: 'any-of', values: ['active'] }],
    };
    const contacts: SearchAndPolicy<'contact'> = { entity: 'contact', searchParams: { _lastUpdated: lastUpdatedParam() }, ownerOdsField: 'requesterOds' };
    expect(Object.keys(packages.searchParams)).toEqual(['_id', 'patient', 'performer']);
    expect(contacts.ownerOdsField).toBe('requesterOds');
  });

  it('refuses a resource definition naming a field its entity lacks', () => {
    const misspeltParam: SearchAndPolicy<'person'> = {
      entity: 'person',
      searchParams: {
        name: {
          type: 'string',
          documentation: 'Any part of the name.',
          expression: 'Patient.name',
          // @ts-expect-error people have no familyName criteria field (it is family)
          toCriterion: (use) => stringCriterion('familyName', use),
        },
        // @ts-expect-error a Patient is its own person (id): people have no personId, and the helper is checked against the kind it serves
        patient: personReferenceParam('personId', 'The person.', 'Patient.link', 'http://hl7.org/fhir/SearchParameter/clinical-patient'),
      },
    };
    const workersPatient: SearchAndPolicy<'worker'> = {
      entity: 'worker',
      searchParams: {
        // @ts-expect-error workers hold no person: a reference to one is not theirs to offer
        patient: personReferenceParam('personId', 'The person.', 'Practitioner.link', 'http://hl7.org/fhir/SearchParameter/clinical-patient'),
      },
    };
    const wrongPersonField: SearchAndPolicy<'carePackage'> = {
      entity: 'carePackage',
      searchParams: {},
      // @ts-expect-error a care package's person is personId, not patientId
      personField: 'patientId',
    };
    const wrongOwner: SearchAndPolicy<'contact'> = {
      entity: 'contact',
      searchParams: {},
      // @ts-expect-error contacts name their requester's organisation requesterOds
      ownerOdsField: 'senderOds',
    };
    const wrongParam: SearchParamDefinition<'carePackage'> = {
      type: 'token',
      documentation: 'Status.',
      expression: 'CarePlan.status',
      // @ts-expect-error care packages have status, not state
      toCriterion: (use) => ({ field: 'state', match: 'any-of', values: [use.value] }),
    };
    expect([misspeltParam, workersPatient, wrongPersonField, wrongOwner, wrongParam]).toHaveLength(5);
  });

  it('checks the criteria of a search of the store for one kind', () => {
    // Never called: only compiled.
    const lookups = (store: Store) => [
      store.search('person', [{ field: 'nhsNumber', match: 'any-of', values: ['9990000018'] }], { limit: 1, offset: 0 }),
      // @ts-expect-error nhsNumbr is not a field of person
      store.search('person', [{ field: 'nhsNumbr', match: 'any-of', values: ['9990000018'] }], { limit: 1, offset: 0 }),
      // @ts-expect-error people have no personId: the kind, not the criteria, decides what is checked
      store.count('person', [{ field: 'personId', match: 'any-of', values: ['P-1'] }]),
    ];
    expect(typeof lookups).toBe('function');
  });

  it('gives every entity an id field', () => {
    for (const table of Object.values(TABLES)) expect(Object.keys(table.fields)).toContain('id');
  });
});
