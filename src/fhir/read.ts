import { Resource } from '@medplum/fhirtypes';
import { Store } from '../store/store';
import { View } from '../access/context';
import { ResourceDefinition } from './definition';
import { materialise } from './materialise';
import { forbidden, insufficientScope, notFound, outcome, WithheldRecord } from './outcome';
import { accessCriteria, restrictedRecordMessage, ScopingContext, searchRestriction, withheldPeople } from './scoping';
import { Criterion } from '../store/criteria';
import { ID } from '../domain/ids';

/** Reads one resource by id, honouring the caller's access: 403 when it exists but is out of scope. */
export async function read(
  def: ResourceDefinition,
  id: string,
  opts: ScopingContext & { store: Store; view: View },
): Promise<Resource> {
  if (!ID.test(id)) throw notFound(`${def.type}/${id} does not exist: "${id}" is not a valid FHIR id`, 'INVALID_RESOURCE_ID');
  const restriction = searchRestriction(def, opts, 'read');
  const byId: Criterion[] = [{ field: 'id', match: 'any-of', values: [id] }, ...(def.baseCriteria ?? [])];
  const found = await opts.store.search(def.entity, [...byId, ...restriction], { limit: 1, offset: 0 });
  if (found.records.length === 0) {
    const withheld = await withheldPeople(def, byId, opts, 'read');
    if (withheld.length) {
      throw new WithheldRecord(outcome('suppressed', await restrictedRecordMessage(opts.store, opts.council?.odsCode)), withheld);
    }
    if (restriction.length && (await opts.store.search(def.entity, byId, { limit: 1, offset: 0 })).records.length) {
      const scopes = accessCriteria(def, opts.access, 'read');
      const scopesReachIt = scopes !== 'none' && (await opts.store.search(def.entity, [...byId, ...scopes], { limit: 1, offset: 0 })).records.length > 0;
      // Another organisation's record, or one outside the caller's view: no scope would reach it, so
      // the refusal names none (an insufficient_scope challenge would send the client after a scope it holds).
      if (scopesReachIt) throw forbidden(`${def.type}/${id} is outside what this client may read`);
      // Granular or patient/ scopes reach other resources of the type: the whole type's read would reach this one.
      throw insufficientScope(`${def.type}/${id} is outside what this client may read`, def.type, 'r', opts.caller?.scope);
    }
    throw notFound(`${def.type}/${id} does not exist`);
  }
  const [resource] = await materialise(def, found.records, opts.store, opts.view);
  return resource;
}
