import { Bundle, BundleEntry, BundleLink, OperationOutcome, Resource } from '@medplum/fhirtypes';

export interface SearchBundleInput {
  baseUrl: string;
  type: string;
  matches: Resource[];
  included: Resource[];
  outcome?: OperationOutcome;
  total?: number;
  links: BundleLink[];
}

export function searchBundle(input: SearchBundleInput): Bundle {
  const entry: BundleEntry[] = [
    ...input.matches.map((r) => entryOf(input.baseUrl, r, 'match')),
    ...input.included.map((r) => entryOf(input.baseUrl, r, 'include')),
  ];
  if (input.outcome) entry.push({ resource: input.outcome, search: { mode: 'outcome' } });
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp: new Date().toISOString(),
    link: input.links,
  };
  if (input.total !== undefined) bundle.total = input.total;
  if (entry.length) bundle.entry = entry;
  return bundle;
}

function entryOf(baseUrl: string, resource: Resource, mode: 'match' | 'include'): BundleEntry {
  return { fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`, resource, search: { mode } };
}

/** A link URL carrying exactly the parameters given, in order. */
export function searchUrl(baseUrl: string, type: string, params: [string, string][]): string {
  const qs = new URLSearchParams(params).toString();
  return `${baseUrl}/${type}${qs ? `?${qs}` : ''}`;
}
