import { Resource } from '@medplum/fhirtypes';
import { Organisation } from '../domain/organisation';
import { Person } from '../domain/person';
import { Worker } from '../domain/worker';
import { RecordReader, Stored } from '../store/store';
import { EntityTypes } from '../store/tables';
import { EntityKind } from '../store/criteria';
import { View } from '../access/context';
import { MappingContext } from './context';
import { ResourceDefinition } from './definition';

/**
 * Turns stored records into FHIR resources, first loading in a few batched queries the
 * organisations, workers and people the mappings name (never one query per record).
 */
export async function materialise<K extends EntityKind>(
  def: ResourceDefinition<K>,
  records: Stored<EntityTypes[K]>[],
  store: RecordReader,
  view: View,
  /** People already in hand (the Patients a search matched), so their records are not read twice. */
  knownPeople: Map<string, Person> = new Map(),
): Promise<Resource[]> {
  if (records.length === 0) return [];
  const orgIds = new Set<string>();
  const workerIds = new Set<string>();
  const personIds = new Set<string>();
  const add = (set: Set<string>, ids: (string | undefined)[] | undefined) => ids?.forEach((id) => id && set.add(id));
  for (const { record } of records) {
    const related = def.related(record);
    add(orgIds, related.organisations);
    add(workerIds, related.workers);
    add(personIds, related.people);
  }
  const people = new Map<string, Person>(knownPeople);
  if (def.entity === 'person') {
    for (const s of records) people.set((s.record as Person).id, s.record as Person);
  }
  const missingPeople = [...personIds].filter((id) => !people.has(id));
  for (const s of await store.getMany('person', missingPeople)) people.set(s.record.id, s.record);
  for (const p of people.values()) {
    if (!personIds.has(p.id)) continue;
    add(workerIds, [p.allocatedWorkerId]);
    add(orgIds, [p.responsibleTeamId]);
  }
  const workers = new Map<string, Worker>();
  for (const s of await store.getMany('worker', [...workerIds])) {
    workers.set(s.record.id, s.record);
    orgIds.add(s.record.teamId);
  }
  const orgs = await loadOrganisations(store, orgIds);
  const ctx: MappingContext = {
    view,
    organisation: (id) => (id ? orgs.get(id) : undefined),
    worker: (id) => (id ? workers.get(id) : undefined),
    person: (id) => (id ? people.get(id) : undefined),
  };
  return records.map((s) => def.toFhir(s, ctx));
}

/** Organisations and the councils they are part of (a team's mapping names the council's duty number). */
async function loadOrganisations(store: RecordReader, ids: Set<string>): Promise<Map<string, Organisation>> {
  const orgs = new Map<string, Organisation>();
  let wanted = [...ids];
  for (let depth = 0; depth < 3 && wanted.length; depth++) {
    const found = await store.getMany('organisation', wanted);
    for (const s of found) orgs.set(s.record.id, s.record);
    wanted = found.map((s) => s.record.partOfId).filter((id): id is string => !!id && !orgs.has(id));
  }
  return orgs;
}
