/**
 * forMedplumValidator: the in-memory view of a snapshot that @medplum/core 5.x can load correctly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import type { ElementDefinition, Patient, StructureDefinition } from '@medplum/fhirtypes';
import { ensureR4BaseIndexed } from '../../src/conformance/loadProfiles';
import { addExtensionSliceUrls, dropRepeatingFixedAndPatterns, forMedplumValidator, relaxInsideBackbones, removeNestedSlices } from '../../src/conformance/medplumView';

const PROFILES_DIR = join(__dirname, '..', '..', 'profiles');
const EXAMPLES_DIR = join(__dirname, 'fixtures', 'ukcore-examples');

const el = (id: string, extra: Partial<ElementDefinition> = {}): ElementDefinition => ({
  id,
  path: id.replace(/:[^.]+/g, ''),
  ...extra,
});

describe('removeNestedSlices', () => {
  it('drops a slice inside a slice, with its children, and keeps everything else', () => {
    const elements = [
      el('Patient.identifier', { slicing: { rules: 'open' } }),
      el('Patient.identifier:nhs', { sliceName: 'nhs' }),
      el('Patient.identifier:nhs.extension'),
      el('Patient.identifier:nhs.extension:status', { sliceName: 'status' }),
      el('Patient.identifier:nhs.extension:status.url'),
      el('Patient.identifier:nhs.system'),
      el('Patient.extension'),
      el('Patient.extension:a', { sliceName: 'a' }),
    ];
    expect(removeNestedSlices(elements).map((e) => e.id)).toEqual([
      'Patient.identifier',
      'Patient.identifier:nhs',
      'Patient.identifier:nhs.extension',
      'Patient.identifier:nhs.system',
      'Patient.extension',
      'Patient.extension:a',
    ]);
  });
});

describe('addExtensionSliceUrls', () => {
  it('gives a childless extension slice a url fixed to its profile', () => {
    const elements = [
      el('Patient.extension'),
      el('Patient.extension:a', { sliceName: 'a', type: [{ code: 'Extension', profile: ['http://x/a'] }] }),
      el('Patient.extension:b', { sliceName: 'b', type: [{ code: 'Extension', profile: ['http://x/b'] }] }),
      el('Patient.extension:b.url', { fixedUri: 'http://x/b' }),
    ];
    const result = addExtensionSliceUrls(elements);
    expect(result.map((e) => e.id)).toEqual([
      'Patient.extension',
      'Patient.extension:a',
      'Patient.extension:a.url',
      'Patient.extension:b',
      'Patient.extension:b.url',
    ]);
    expect(result[2]).toMatchObject({ path: 'Patient.extension.url', min: 1, max: '1', fixedUri: 'http://x/a' });
  });
});

describe('dropRepeatingFixedAndPatterns', () => {
  it('drops fixed/pattern values from elements that repeat in their base, keeping slices and single elements', () => {
    const pattern = { coding: [{ system: 's', code: 'c' }] };
    const elements = [
      el('Flag.category', { max: '1', base: { path: 'Flag.category', min: 0, max: '*' }, patternCodeableConcept: pattern }),
      el('Flag.category:x', { sliceName: 'x', base: { path: 'Flag.category', min: 0, max: '*' }, patternCodeableConcept: pattern }),
      el('Flag.status', { base: { path: 'Flag.status', min: 1, max: '1' }, fixedCode: 'active' }),
    ];
    const result = dropRepeatingFixedAndPatterns(elements);
    expect(result[0]).not.toHaveProperty('patternCodeableConcept');
    expect(result[0]).toMatchObject({ id: 'Flag.category', max: '1' });
    expect(result[1]).toEqual(elements[1]);
    expect(result[2]).toEqual(elements[2]);
  });
});

describe('relaxInsideBackbones', () => {
  it('inside backbone elements keeps only "required": min at most 1, the base max, no fixed/pattern, slices 0..*', () => {
    const backbone = [{ code: 'BackboneElement' }];
    const pattern = { text: 'Out of hours' };
    const elements = [
      el('Organization.name', { min: 1, max: '1', base: { path: 'Organization.name', min: 0, max: '1' }, fixedString: 'x' }),
      el('Organization.contact', { type: backbone, max: '1', base: { path: 'Organization.contact', min: 0, max: '*' } }),
      el('Organization.contact.purpose', { min: 1, max: '1', base: { path: 'Organization.contact.purpose', min: 0, max: '1' }, patternCodeableConcept: pattern }),
      el('Organization.contact.telecom', { min: 2, max: '3', base: { path: 'Organization.contact.telecom', min: 0, max: '*' } }),
      el('Organization.contact.telecom.system', { min: 1, base: { path: 'ContactPoint.system', min: 0, max: '1' }, fixedCode: 'phone' }),
      el('Organization.contact.extension', { slicing: { rules: 'open' } }),
      el('Organization.contact.extension:rank', { sliceName: 'rank', min: 1, max: '1' }),
      el('Organization.contact.extension:rank.url', { fixedUri: 'http://x/rank' }),
      el('Organization.contact.name', { max: '0', base: { path: 'Organization.contact.name', min: 0, max: '1' } }),
      el('Organization.contact.telecom.extension', { slicing: { discriminator: [{ type: 'type', path: 'value' }], rules: 'open' } }),
      el('Organization.contact.telecom.extension:typed', { sliceName: 'typed', min: 1, max: '1' }),
    ];
    const result = relaxInsideBackbones(elements);
    expect(result[0]).toEqual(elements[0]); // not in a backbone element: medplum reports it precisely
    expect(result[1]).toEqual(elements[1]);
    expect(result[2]).toEqual({ ...el('Organization.contact.purpose'), min: 1, max: '1', base: elements[2].base });
    expect(result[3]).toMatchObject({ min: 1, max: '*' });
    expect(result[4]).toMatchObject({ min: 1, max: '1' });
    expect(result[4]).not.toHaveProperty('fixedCode');
    expect(result[6]).toMatchObject({ sliceName: 'rank', min: 0, max: '*' });
    expect(result[7]).toEqual(elements[7]); // a slice's children: medplum matches values with them
    expect(result[8]).toMatchObject({ max: '1' });
    expect(result[10]).toEqual(elements[10]); // a type discriminator: profileChecks cannot count that slice
  });
});

describe('why the view is needed', () => {
  // If this starts failing after a @medplum/core upgrade, medplum handles nested slices itself and
  // removeNestedSlices can go (addExtensionSliceUrls is still useful while slice matching needs it).
  it('@medplum/core 5.x misreads a standard snapshot with a nested slice', () => {
    ensureR4BaseIndexed();
    const ukCorePatient = JSON.parse(readFileSync(join(PROFILES_DIR, 'ukcore', 'UKCore-Patient.json'), 'utf8')) as StructureDefinition;
    // A profile requiring the NHS number, loaded once as generated and once through the view.
    const required = (url: string): StructureDefinition => ({
      ...ukCorePatient,
      url,
      snapshot: {
        element: (ukCorePatient.snapshot?.element ?? []).map((e) => (e.id === 'Patient.identifier:nhsNumber' ? { ...e, min: 1 } : e)),
      },
    });
    const raw = required('https://example.org/fhir/StructureDefinition/Test-Raw');
    const view = forMedplumValidator(required('https://example.org/fhir/StructureDefinition/Test-View'));
    indexStructureDefinitionBundle([raw, view]);
    const patient = JSON.parse(readFileSync(join(EXAMPLES_DIR, 'UKCore-Patient-RichardSmith-Example.json'), 'utf8')) as Patient;

    expect(() => validateResource(patient, { profile: view })).not.toThrow();
    expect(() => validateResource(patient, { profile: raw })).toThrow(/slice 'nhsNumber': expected 1..1, but found 0/);
  });

  // If this starts failing after a @medplum/core upgrade, medplum matches extension slices by their
  // profile itself and addExtensionSliceUrls can go.
  it('@medplum/core 5.x never matches an extension slice given only by its profile', () => {
    ensureR4BaseIndexed();
    const ukCorePatient = JSON.parse(readFileSync(join(PROFILES_DIR, 'ukcore', 'UKCore-Patient.json'), 'utf8')) as StructureDefinition;
    const withoutUrls = {
      ...ukCorePatient,
      url: 'https://example.org/fhir/StructureDefinition/Test-NoSliceUrls',
      snapshot: { element: removeNestedSlices(ukCorePatient.snapshot?.element ?? []) },
    };
    const view = forMedplumValidator({ ...ukCorePatient, url: 'https://example.org/fhir/StructureDefinition/Test-SliceUrls' });
    indexStructureDefinitionBundle([withoutUrls, view]);
    const ethnicCategory = {
      url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory',
      valueCodeableConcept: { coding: [{ system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland', code: 'A' }] },
    };
    const patient: Patient = { resourceType: 'Patient', extension: [ethnicCategory, ethnicCategory] };

    expect(() => validateResource(patient, { profile: withoutUrls })).not.toThrow();
    expect(() => validateResource(patient, { profile: view })).toThrow(/slice 'ethnicCategory': expected 0..1, but found 2/);
  });
});
