import { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { CONFORMANCE_DEFINITIONS } from './conformance';
import { ResourceDefinition, SearchParamDefinition } from './definition';
import { definitionOf, RESOURCE_DEFINITIONS, revIncludesFor } from './registry';
import { LINK_DOCUMENTATION } from './searchChains';
import { RESULT_PARAMETERS } from './searchQuery';
import { CANONICAL_BASE } from './systems';
import { VALIDATE_OPERATION } from './validate';

/**
 * The council's files in ($import, src/http/importRoutes.ts): a system-level operation, served
 * before the FHIR routes because its body is CSV, not FHIR.
 */
export const IMPORT_OPERATION = {
  name: 'import',
  definition: `${CANONICAL_BASE}/OperationDefinition/import`,
  documentation:
    "The council's files in, as an asynchronous operation (council clients only, with create and update on every type the kind fills): " +
    'POST [base]/$import?kind=cld|cqc|allocations|fhir[&dryRun=true][&maxRejects=N] with Prefer: respond-async and the file as text/csv ' +
    '(fhir: application/fhir+ndjson or a Bundle as application/fhir+json; several files as multipart/form-data) answers 202 with Content-Location [base]/$import-status/[id]; that URL answers 202 with ' +
    'X-Progress while the import runs, then 200 with its report (JSON): what was added, changed, unchanged and ended, and every ' +
    'rejected row by file, line, column and reason. One transaction: a lookup sees all of an import or none of it. See docs/data-in.md.',
} as const;

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
    supportedProfile: [def.profile, ...(def.otherProfiles ?? [])],
    documentation: def.documentation,
    interaction: [
      { code: 'read' as const },
      { code: 'search-type' as const },
      ...(def.councilRecord ? councilInteractions(def) : noticeInteractions(def)),
      ...HISTORY_INTERACTIONS,
    ],
    // Every version is kept (record_history), so each type is versioned whether or not it is written here.
    versioning: def.writes?.update || def.councilRecord ? 'versioned-update' : 'versioned',
    readHistory: true,
    updateCreate: !!def.councilRecord,
    conditionalCreate: !!def.writes?.create || !!def.councilRecord,
    conditionalRead: 'not-supported',
    conditionalUpdate: !!def.councilRecord,
    conditionalDelete: def.councilRecord?.deletion ? 'single' : 'not-supported',
    searchInclude: Object.keys(def.includes).map((p) => `${def.type}:${p}`),
    searchRevInclude: revIncludesFor(def.type),
    searchParam: searchParams(def.searchParams),
    operation: [
      {
        ...VALIDATE_OPERATION,
        documentation:
          `POST ${def.type}/$validate with a ${def.type} (or Parameters with resource and profile): an OperationOutcome listing every ` +
          `problem with its expression, against ${def.profile} unless ?profile= names another profile this server publishes.`,
      },
    ],
  }));
  // The conformance resources the profiles above are published as (read and search, no token).
  for (const def of CONFORMANCE_DEFINITIONS) {
    resource.push({
      type: def.type,
      documentation: def.documentation,
      interaction: [{ code: 'read' }, { code: 'search-type' }],
      versioning: 'no-version',
      readHistory: false,
      updateCreate: false,
      conditionalCreate: false,
      conditionalRead: 'not-supported',
      conditionalUpdate: false,
      conditionalDelete: 'not-supported',
      searchInclude: [],
      searchRevInclude: [],
      searchParam: searchParams(def.searchParams),
    });
  }
  // No instantiates/implementationGuide: UK Core publishes no CapabilityStatement to instantiate and we publish
  // no ImplementationGuide resource; each resource's profile (and supportedProfile) names what it conforms to.
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-23',
    kind: 'instance',
    name: 'SocialCareFhirFacade',
    title: 'Adult social care FHIR facade',
    publisher: 'Social care FHIR facade project',
    description:
      'Adult social care records by NHS number (care packages, providers, allocated workers and safeguarding flags), ' +
      "hospital notices in and the council's contacts they create, and the audit trail of who looked.",
    software: { name: 'social-care-fhir-facade', version: opts.version },
    implementation: { description: 'Adult social care FHIR facade', url: opts.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: `Search-result parameters for every type: ${Object.entries(RESULT_PARAMETERS)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}: ${v}`)
          .join(' ')} ${LINK_DOCUMENTATION} Unknown parameters are ignored (reported in an OperationOutcome entry) unless Prefer: handling=strict, which refuses them with 400. ` +
          `Who may search how: a health-view client (hospital, portal) must name the one person a search of Patient, CarePlan, Flag, CareTeam, RelatedPerson or Procedure is for ` +
          `(identifier, _id, or family with an exact birthdate; for the others, patient or subject, or a chain to identifier or _id; one value each); a search that names nobody, ` +
          `the history of a whole type of them, and a search of the directory bringing people's records with it (_revinclude) are refused with 403. ` +
          `The council's own clients browse. The front door, the whole A&E picture in one request: Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|<NHS number>` +
          `&_revinclude=CarePlan:subject&_revinclude=Flag:subject&_revinclude=CareTeam:subject&_revinclude=RelatedPerson:patient` +
          `&_include:iterate=CarePlan:performer&_include:iterate=CareTeam:participant&_include:iterate=Flag:author.`,
        ...(opts.security ? { security: opts.security } : {}),
        resource,
        interaction: [
          {
            code: 'transaction',
            documentation:
              "POST [base] with a transaction Bundle of the council's records (at most 1,000 entries): all or nothing, urn:uuid: and conditional references resolved, the first refused entry named in the refusal.",
          },
          { code: 'batch', documentation: 'POST [base] with a batch Bundle: each entry served as if sent on its own, answered in a batch-response.' },
        ],
        operation: [IMPORT_OPERATION],
      },
    ],
  };
}

/** Versions, as src/fhir/history.ts serves them: the same for every type. */
const HISTORY_INTERACTIONS = [
  {
    code: 'vread' as const,
    documentation: 'Any version kept, with its ETag and Last-Modified; 410 Gone (deleted) for the version after a delete, 404 for one that never was. The access rules of a read apply to the record now and to the version as it was.',
  },
  {
    code: 'history-instance' as const,
    documentation: 'A history Bundle, newest first: each version (POST when written new, PUT when changed) and each deletion (DELETE, no resource). _since (an instant), _count and _offset; the links carry _until, which keeps later pages to the versions there were.',
  },
  {
    code: 'history-type' as const,
    documentation: "As history-instance, over every record of the type the caller may read now and could read as each version was. System-level history ([base]/_history) is not supported.",
  },
];

/** Hospital notices and contacts: what their own handlers take. */
function noticeInteractions(def: ResourceDefinition) {
  return [
    ...(def.writes?.create ? [{ code: 'create' as const, documentation: 'Idempotent: a resend with the same identifier returns the first (200).' }] : []),
    ...(def.writes?.update ? [{ code: 'update' as const, documentation: 'If-Match honoured (412 when stale).' }] : []),
    ...(def.writes?.patch ? [{ code: 'patch' as const, documentation: 'JSON Patch (application/json-patch+json).' }] : []),
  ];
}

/** The council's own records: written by the council's systems only (its organisation, a social-care view, the write scope). */
function councilInteractions(def: ResourceDefinition) {
  const who = "The council's own clients only (system/" + def.type + '.c, .u or .d as the interaction needs, and the social-care view).';
  return [
    {
      code: 'create' as const,
      documentation: `${who} If-None-Exist honoured; a resend naming a record already held is answered 200 with it when unchanged, 409 when different.`,
    },
    {
      code: 'update' as const,
      documentation: `${who} Creates the record when its id is new (201). If-Match honoured (412 when stale). Conditional update: PUT ${def.type}?identifier=...`,
    },
    { code: 'patch' as const, documentation: `${who} JSON Patch (application/json-patch+json), applied to the current version (If-Match honoured).` },
    ...(def.councilRecord?.deletion
      ? [{ code: 'delete' as const, documentation: `${who} ${def.councilRecord.deletion.documentation} Conditional delete: DELETE ${def.type}?identifier=... (one match).` }]
      : []),
  ];
}

function searchParams(params: Record<string, SearchParamDefinition>) {
  return Object.entries(params).map(([name, p]) => ({
    name,
    type: p.type,
    ...(p.definition ? { definition: p.definition } : {}),
    documentation:
      p.documentation +
      (p.type === 'reference' && p.targets?.length ? ` Chains one level into any ${p.targets.join(' or ')} parameter (${chainExample(name, p.targets)}).` : '') +
      (p.modifiers?.length ? ` Modifiers: ${p.modifiers.map((m) => `:${m}`).join(', ')}.` : ''),
  }));
}

/** How a chain through a reference parameter is written: with the type named when it points at more than one. */
function chainExample(name: string, targets: string[]): string {
  const target = targets[0];
  const params = Object.keys(definitionOf(target)?.searchParams ?? {});
  const chained = params.find((p) => !p.startsWith('_')) ?? '_id';
  return targets.length > 1 ? `${name}:${target}.${chained}` : `${name}.${chained}`;
}
