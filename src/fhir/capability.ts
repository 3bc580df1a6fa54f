import { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { RESOURCE_DEFINITIONS, RESULT_PARAMETERS, revIncludesFor } from './registry';

export interface CapabilityOptions {
  baseUrl: string;
  version: string;
  /** SMART security, added by the auth layer when it is on. */
  security?: NonNullable<CapabilityStatement['rest']>[number]['security'];
}

/** The CapabilityStatement, written from the registry: every line of it is something the code does. */
export function capabilityStatement(opts: CapabilityOptions): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = RESOURCE_DEFINITIONS.map((def) => ({
    type: def.type,
    profile: def.profile,
    supportedProfile: [def.profile],
    documentation: def.documentation,
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    versioning: 'no-version',
    readHistory: false,
    updateCreate: false,
    conditionalCreate: false,
    conditionalRead: 'not-supported',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    searchInclude: Object.keys(def.includes).map((p) => `${def.type}:${p}`),
    searchRevInclude: revIncludesFor(def.type),
    searchParam: Object.entries(def.searchParams).map(([name, p]) => ({
      name,
      type: p.type,
      ...(p.definition ? { definition: p.definition } : {}),
      documentation:
        p.documentation +
        (p.chains?.length ? ` Chains: ${p.chains.map((c) => `${name}.${c}`).join(', ')}.` : '') +
        (p.modifiers?.length ? ` Modifiers: ${p.modifiers.map((m) => `:${m}`).join(', ')}.` : ''),
    })),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-23',
    kind: 'instance',
    name: 'SocialCareFhirFacade',
    title: 'Adult social care FHIR facade',
    publisher: 'Social care FHIR facade project',
    description:
      'Read-only lookup of adult social care records by NHS number: care packages, providers, allocated workers and safeguarding flags.',
    software: { name: 'social-care-fhir-facade', version: opts.version },
    implementation: { description: 'Adult social care FHIR facade', url: opts.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: `Search-result parameters for every type: ${Object.entries(RESULT_PARAMETERS)
          .map(([k, v]) => `${k}: ${v}`)
          .join(' ')} Unknown parameters are ignored (reported in an OperationOutcome entry) unless Prefer: handling=strict, which refuses them with 400.`,
        ...(opts.security ? { security: opts.security } : {}),
        resource,
      },
    ],
  };
}
