/**
 * The generated snapshots must be usable by @medplum/core's validator: UK Core's own examples pass
 * their profiles, and resources break them where the profiles say they must.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import type { ElementDefinition, Flag, Patient, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { readProfileFiles, UKCORE_PACKAGE } from '../../tools/conformance/generateAll';
import { loadProfilesForValidation } from '../../src/conformance/loadProfiles';
import { forMedplumValidator } from '../../src/conformance/medplumView';
import { R4_CORE_PACKAGE } from '../../tools/conformance/packageCache';
import { createSnapshotGenerator } from '../../tools/conformance/snapshot';

const PROFILES_DIR = join(__dirname, '..', '..', 'profiles');
const EXAMPLES_DIR = join(__dirname, 'fixtures', 'ukcore-examples');
const UKCORE = 'https://fhir.hl7.org.uk/StructureDefinition/';
const TEST = 'https://example.org/fhir/StructureDefinition/';
const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

function readExample<T extends Resource>(name: string): T {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, `${name}.json`), 'utf8')) as T;
}

/** Error texts from validateResource, or [] when the resource is valid. */
function errors(resource: Resource, profile: StructureDefinition | undefined): string[] {
  if (!profile) {
    throw new Error('profile not loaded');
  }
  try {
    validateResource(resource, { profile });
    return [];
  } catch (err) {
    const issues = (err as { outcome?: { issue?: { expression?: string[]; details?: { text?: string } }[] } }).outcome?.issue;
    if (!issues) {
      throw err;
    }
    return issues.map((i) => `${i.expression?.join(',')}: ${i.details?.text}`);
  }
}

function testProfile(id: string, type: string, baseDefinition: string, element: ElementDefinition[]): StructureDefinition {
  return {
    resourceType: 'StructureDefinition',
    id,
    url: TEST + id,
    name: id.replace(/-/g, ''),
    status: 'draft',
    fhirVersion: '4.0.1',
    kind: 'resource',
    abstract: false,
    type,
    baseDefinition,
    derivation: 'constraint',
    differential: { element },
  };
}

/** Like our own profiles will: the NHS number is mandatory and verified. */
const nhsNumberRequired = testProfile('Test-NhsNumberRequired', 'Patient', UKCORE + 'UKCore-Patient', [
  { id: 'Patient.identifier', path: 'Patient.identifier', min: 1 },
  { id: 'Patient.identifier:nhsNumber', path: 'Patient.identifier', sliceName: 'nhsNumber', min: 1 },
  {
    id: 'Patient.identifier:nhsNumber.extension:nhsNumberVerificationStatus',
    path: 'Patient.identifier.extension',
    sliceName: 'nhsNumberVerificationStatus',
    min: 1,
  },
]);

const activeSafeguardingFlag = testProfile('Test-ActiveFlag', 'Flag', UKCORE + 'UKCore-Flag', [
  { id: 'Flag.status', path: 'Flag.status', fixedCode: 'active' },
]);

describe('generated profiles in @medplum/core validation', () => {
  let profiles: Map<string, StructureDefinition>;

  beforeAll(async () => {
    profiles = loadProfilesForValidation(PROFILES_DIR);
    // Test-only profiles over UK Core, generated the same way as ours will be.
    const generator = await createSnapshotGenerator([
      {
        ...UKCORE_PACKAGE,
        dependencies: { [R4_CORE_PACKAGE.name]: R4_CORE_PACKAGE.version },
        resources: readProfileFiles(PROFILES_DIR, 'ukcore').map((f) => f.resource),
      },
      {
        name: 'local.test',
        version: '1.0.0',
        dependencies: { [R4_CORE_PACKAGE.name]: R4_CORE_PACKAGE.version, [UKCORE_PACKAGE.name]: UKCORE_PACKAGE.version },
        resources: [nhsNumberRequired, activeSafeguardingFlag],
      },
    ]);
    try {
      for (const sd of [nhsNumberRequired, activeSafeguardingFlag]) {
        const view = forMedplumValidator(await generator.generate(sd));
        indexStructureDefinitionBundle([view]);
        profiles.set(view.url as string, view);
      }
    } finally {
      generator.dispose();
    }
  });

  const exampleProfiles = readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .map((name) => [name, readExample<Resource>(name).resourceType] as const);

  it.each(exampleProfiles)('UK Core example %s is valid against UKCore-%s', (name, resourceType) => {
    expect(errors(readExample(name), profiles.get(`${UKCORE}UKCore-${resourceType}`))).toEqual([]);
  });

  describe('UKCore-Patient', () => {
    const ukCorePatient = (): StructureDefinition | undefined => profiles.get(UKCORE + 'UKCore-Patient');

    it('rejects two NHS numbers (identifier:nhsNumber is 0..1)', () => {
      const patient = readExample<Patient>('UKCore-Patient-RichardSmith-Example');
      patient.identifier?.push({ system: NHS_NUMBER_SYSTEM, value: '9000000009' });
      expect(errors(patient, ukCorePatient())).toEqual([
        expect.stringContaining("slice 'nhsNumber': expected 0..1, but found 2"),
      ]);
    });

    it('accepts an identifier with another system: UK Core slices identifier openly and the NHS number is optional', () => {
      const patient = readExample<Patient>('UKCore-Patient-RichardSmith-Example');
      patient.identifier = [{ system: 'https://fhir.nhs.uk/Id/nhs-numbr', value: '9912003888' }];
      expect(errors(patient, ukCorePatient())).toEqual([]);
    });

    it('rejects two ethnic category extensions (extension:ethnicCategory is 0..1)', () => {
      const patient = readExample<Patient>('UKCore-Patient-RichardSmith-Example');
      const ethnicCategory = patient.extension?.filter((e) => e.url === UKCORE + 'Extension-UKCore-EthnicCategory') ?? [];
      expect(ethnicCategory).toHaveLength(1);
      patient.extension?.push(ethnicCategory[0]);
      expect(errors(patient, ukCorePatient())).toEqual([
        expect.stringContaining("slice 'ethnicCategory': expected 0..1, but found 2"),
      ]);
    });
  });

  describe('a profile over UK Core requiring the NHS number', () => {
    const required = (): StructureDefinition | undefined => profiles.get(TEST + 'Test-NhsNumberRequired');

    it('accepts the UK Core example patient', () => {
      expect(errors(readExample('UKCore-Patient-RichardSmith-Example'), required())).toEqual([]);
    });

    it('rejects an NHS number with the wrong system (it no longer fills the nhsNumber slice)', () => {
      const patient = readExample<Patient>('UKCore-Patient-RichardSmith-Example');
      patient.identifier = patient.identifier?.map((i) => ({ ...i, system: 'https://fhir.nhs.uk/Id/nhs-numbr' }));
      expect(errors(patient, required())).toEqual([
        expect.stringContaining("slice 'nhsNumber': expected 1..1, but found 0"),
      ]);
    });

    it('rejects a patient without identifiers', () => {
      const patient = readExample<Patient>('UKCore-Patient-RichardSmith-Example');
      delete patient.identifier;
      expect(errors(patient, required())).toEqual([expect.stringContaining('Missing required property')]);
    });

    // Known gap of @medplum/core (4.x and 5.2 alike): once a value is matched to a slice, the slice's
    // own children (nhsNumber.value 1..1, the nested verification-status extension 1..1) are not validated.
    // If this test starts failing after a medplum upgrade, the gap is closed: turn it into a rejection test.
    it('does not (yet) check the children of a matched slice', () => {
      const patient = readExample<Patient>('UKCore-Patient-RichardSmith-Example');
      patient.identifier = [{ system: NHS_NUMBER_SYSTEM }];
      expect(errors(patient, required())).toEqual([]);
    });
  });

  it('rejects a value that differs from a fixed value', () => {
    const flag = readExample<Flag>('UKCore-Flag-FoodAllergy-Example');
    const profile = profiles.get(TEST + 'Test-ActiveFlag');
    expect(errors({ ...flag, status: 'active' }, profile)).toEqual([]);
    expect(errors({ ...flag, status: 'inactive' }, profile)).toEqual([
      expect.stringContaining('Value did not match expected pattern'),
    ]);
  });
});
