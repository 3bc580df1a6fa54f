import { Organisation } from '../domain/organisation';
import { Person } from '../domain/person';
import { Worker } from '../domain/worker';

/**
 * What a caller may see. 'health' is the minimum-necessary view for health staff (that a package
 * exists, its type, dates, provider and contacts; that a safeguarding concern is open and whom to
 * call); 'social-care' adds package details and concern types for council staff.
 */
export type View = 'health' | 'social-care';

/**
 * What a caller may read, per resource type: nothing, everything, or only what matches at least
 * one of a list of search-parameter sets (SMART granular scopes, patient-context confinement).
 * Built at the HTTP edge from the token; applied by the search layer in one place.
 */
export type ReadAccess = 'none' | 'all' | Array<Record<string, string>>;

export interface AccessPolicy {
  read(resourceType: string): ReadAccess;
}

export const UNRESTRICTED: AccessPolicy = { read: () => 'all' };

/** Reference data a mapping may need to name and give numbers for related organisations and workers. */
export interface MappingContext {
  view: View;
  organisation(id: string | undefined): Organisation | undefined;
  worker(id: string | undefined): Worker | undefined;
  person(id: string | undefined): Person | undefined;
}
