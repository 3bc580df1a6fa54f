import { accessPolicyFromScopes } from '../../src/auth/accessPolicy';
import { formatScope, grantScopes, intersectScopes, parseScope, parseScopes, ResourceScope } from '../../src/auth/scopes';

const scope = (text: string) => parseScope(text)!;
const scopes = (text: string) => parseScopes(text).resources;

describe('SMART scope parsing', () => {
  it('reads v2 scopes: context, type, permissions in c r u d s order', () => {
    expect(scope('system/Flag.rs')).toMatchObject({ context: 'system', type: 'Flag', permissions: ['r', 's'], query: {}, v1: false });
    expect(scope('system/*.cruds').permissions).toEqual(['c', 'r', 'u', 'd', 's']);
    expect(scope('user/CarePlan.r')).toMatchObject({ context: 'user', permissions: ['r'] });
    expect(scope('patient/Patient.s')).toMatchObject({ context: 'patient', permissions: ['s'] });
  });

  it('maps v1 onto v2: .read -> rs, .write -> cud, .* -> cruds, remembering it was v1', () => {
    expect(scope('system/*.read')).toMatchObject({ permissions: ['r', 's'], v1: true });
    expect(scope('system/Patient.write').permissions).toEqual(['c', 'u', 'd']);
    expect(scope('patient/*.*').permissions).toEqual(['c', 'r', 'u', 'd', 's']);
  });

  it('reads granular query scopes, decoding values', () => {
    expect(scope('system/Flag.rs?category=https://fhir.hl7.org.uk/CodeSystem/UKCore-RecordStandardHeadings|safeguarding').query).toEqual({
      category: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-RecordStandardHeadings|safeguarding',
    });
    expect(scope('system/CarePlan.rs?category=a%7Cb&status=active').query).toEqual({ category: 'a|b', status: 'active' });
  });

  it.each([
    'system/Flag.sr', // out of order
    'system/Flag.dus',
    'system/Flag.rc',
    'system/Flag.',
    'system/Flag.x',
    'system/Flag.rs?',
    'system/Flag.rs?category',
    'system/Flag.rs?category=',
    'system/Flag.rs?category=a&category=b',
    'system/flag.rs',
    'admin/Flag.rs',
    'openid',
    'launch/patient',
    'offline_access',
  ])('does not read %s as a resource scope (never more broadly than written)', (text) => {
    expect(parseScope(text)).toBeUndefined();
  });

  it('splits a scope string into resource scopes and the rest', () => {
    const { resources, others } = parseScopes('  system/Flag.rs openid  system/*.read fhirUser ');
    expect(resources.map((s) => s.text)).toEqual(['system/Flag.rs', 'system/*.read']);
    expect(others).toEqual(['openid', 'fhirUser']);
  });

  it('writes scopes back in the syntax they were asked in', () => {
    const base: Omit<ResourceScope, 'text'> = { context: 'system', type: 'Flag', permissions: ['r', 's'], query: {}, v1: true };
    expect(formatScope(base)).toBe('system/Flag.read');
    expect(formatScope({ ...base, permissions: ['r'] })).toBe('system/Flag.r');
    expect(formatScope({ ...base, v1: false, query: { category: 'http://x.example/cs|a b&c' } })).toBe('system/Flag.rs?category=http://x.example/cs|a%20b%26c');
  });
});

describe('granting: the intersection of asked and registered', () => {
  it('narrows type, permissions and adds constraints, never broadening', () => {
    expect(intersectScopes(scope('system/*.rs'), scope('system/Flag.cruds'))!.text).toBe('system/Flag.rs');
    expect(intersectScopes(scope('system/Flag.cruds'), scope('system/*.rs'))!.text).toBe('system/Flag.rs');
    expect(intersectScopes(scope('system/*.read'), scope('system/Flag.rs'))!.text).toBe('system/Flag.read');
    expect(intersectScopes(scope('system/Flag.rs'), scope('system/Flag.rs?category=a|b'))!.text).toBe('system/Flag.rs?category=a|b');
    expect(intersectScopes(scope('system/Flag.rs?category=a|b'), scope('system/*.read'))!.text).toBe('system/Flag.rs?category=a|b');
    expect(intersectScopes(scope('system/Flag.rs?category=a|b'), scope('system/Flag.rs?category=a|c'))).toBeUndefined();
    expect(intersectScopes(scope('system/Flag.c'), scope('system/Flag.rs'))).toBeUndefined();
    expect(intersectScopes(scope('system/Flag.rs'), scope('system/CarePlan.rs'))).toBeUndefined();
    expect(intersectScopes(scope('patient/Flag.rs'), scope('system/Flag.rs'))).toBeUndefined();
  });

  it('grants the union of what each registered scope allows, de-duplicated, and says what it refused', () => {
    const registered = scopes('system/Patient.rs system/Flag.rs system/CarePlan.r');
    const grant = grantScopes('system/*.rs system/Patient.rs openid patient/Flag.rs', registered);
    expect(grant.scope).toBe('system/Patient.rs system/Flag.rs system/CarePlan.r');
    expect(grant.refused).toEqual([
      'openid (not a resource scope this facade grants)',
      'patient/Flag.rs (patient/ scopes need a patient in context, which backend services do not have: ask for system/ scopes)',
    ]);
    expect(grantScopes('system/Observation.rs', registered).scopes).toEqual([]);
  });
});

describe('the access policy built from scopes', () => {
  it('r reads, s searches, c and u write; nothing else', () => {
    const p = accessPolicyFromScopes(scopes('system/Patient.r system/Flag.s system/Task.cu'));
    expect([p.read('Patient'), p.search!('Patient')]).toEqual(['all', 'none']);
    expect([p.read('Flag'), p.search!('Flag')]).toEqual(['none', 'all']);
    expect([p.read('CarePlan'), p.search!('CarePlan')]).toEqual(['none', 'none']);
    expect([p.write!('Task', 'create'), p.write!('Task', 'update'), p.write!('Flag', 'create')]).toEqual([true, true, false]);
  });

  it('wildcards reach every type; v1 read is read and search', () => {
    const p = accessPolicyFromScopes(scopes('system/*.read'));
    for (const type of ['Patient', 'CarePlan', 'Flag', 'Organization']) expect([p.read(type), p.search!(type)]).toEqual(['all', 'all']);
    expect(p.write!('Patient', 'create')).toBe(false);
  });

  it('granular scopes become parameter sets that add up, and a whole-type scope wins', () => {
    const p = accessPolicyFromScopes(scopes('system/CarePlan.rs?category=a|home-care system/CarePlan.rs?category=a|day-care&status=active'));
    expect(p.search!('CarePlan')).toEqual([{ category: 'a|home-care' }, { category: 'a|day-care', status: 'active' }]);
    expect(accessPolicyFromScopes(scopes('system/CarePlan.rs?category=a|b system/CarePlan.r')).read('CarePlan')).toBe('all');
    expect(accessPolicyFromScopes(scopes('system/CarePlan.rs?category=a|b')).write!('CarePlan', 'create')).toBe(false);
  });

  it('confines patient/ scopes to the patient: the compartment for person data, directory types as they are', () => {
    const p = accessPolicyFromScopes(scopes('patient/*.rs'), 'WXB-100001');
    expect(p.read('Patient')).toEqual([{ _id: 'WXB-100001' }]);
    expect(p.search!('CarePlan')).toEqual([{ patient: 'Patient/WXB-100001' }]);
    expect(p.read('Flag')).toEqual([{ patient: 'Patient/WXB-100001' }]);
    expect(p.read('CareTeam')).toEqual([{ patient: 'Patient/WXB-100001' }]);
    expect(p.read('Organization')).toBe('all');
    expect(p.read('Practitioner')).toBe('all');
    expect(p.write!('CarePlan', 'create')).toBe(false);
    // A type that does not say how it is confined is not reachable through a patient/ scope.
    expect(p.read('Observation')).toBe('none');
    const granular = accessPolicyFromScopes(scopes('patient/CarePlan.rs?category=a|b'), 'WXB-100001');
    expect(granular.read('CarePlan')).toEqual([{ category: 'a|b', patient: 'Patient/WXB-100001' }]);
    const conflicting = accessPolicyFromScopes(scopes('patient/CarePlan.rs?patient=Patient/WXB-100002'), 'WXB-100001');
    expect(conflicting.read('CarePlan')).toBe('none');
  });

  it('grants nothing by patient/ scopes when no patient is in context', () => {
    const p = accessPolicyFromScopes(scopes('patient/*.rs'));
    expect([p.read('Patient'), p.read('Organization'), p.search!('CarePlan')]).toEqual(['none', 'none', 'none']);
  });
});
