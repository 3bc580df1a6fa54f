import { DATASET_PARTS, DatasetPart } from '../domain/dataset';
import { ENTITIES, EntityKind, TABLES } from './tables';

/**
 * The order tables are loaded and emptied in, derived from what each entity's rows point at (its
 * description's refersTo), and which entity each part of a dataset holds (its datasetPart).
 */

/** The entity each part of a dataset holds, as the entity descriptions say: each part exactly one. */
export const DATASET_KINDS: Readonly<Record<DatasetPart, EntityKind>> = (() => {
  const kinds = {} as Record<DatasetPart, EntityKind>;
  for (const part of DATASET_PARTS) {
    const holders = (Object.keys(ENTITIES) as EntityKind[]).filter((k) => ENTITIES[k].datasetPart === part);
    if (holders.length !== 1) throw new Error(`dataset part ${part} is held by ${holders.length} entities (${holders.join(', ')}): it must be one`);
    kinds[part] = holders[0];
  }
  return kinds;
})();

/** The trail of who saw what outlives a reset of the data it is about. */
const KEPT_ON_RESET: ReadonlySet<EntityKind> = new Set<EntityKind>(['audit']);

/** The entity kinds each entity's rows refer to, read off the tables its description names. */
export function referencesOf(kind: EntityKind): EntityKind[] {
  return ENTITIES[kind].refersTo.map((table) => {
    const target = (Object.keys(ENTITIES) as EntityKind[]).find((k) => ENTITIES[k].table === table);
    if (!target) throw new Error(`${ENTITIES[kind].table} refers to ${table}, which no entity describes`);
    return target;
  });
}

/** Every entity kind, each after those it refers to: the order to insert in. */
export const LOAD_ORDER: readonly EntityKind[] = (() => {
  const order: EntityKind[] = [];
  const visit = (kind: EntityKind, path: EntityKind[]) => {
    if (order.includes(kind)) return;
    if (path.includes(kind)) throw new Error(`entities refer to each other in a cycle: ${[...path, kind].join(' -> ')}`);
    for (const target of referencesOf(kind)) visit(target, [...path, kind]);
    order.push(kind);
  };
  for (const kind of Object.keys(ENTITIES) as EntityKind[]) visit(kind, []);
  return order;
})();

/** The dataset parts in load order, with the entity each holds. */
export const DATASET_LOAD_ORDER: readonly { part: DatasetPart; kind: EntityKind }[] = LOAD_ORDER.flatMap((kind) =>
  (Object.entries(DATASET_KINDS) as [DatasetPart, EntityKind][]).filter(([, k]) => k === kind).map(([part]) => ({ part, kind })),
);

/** The tables a dataset fills, in load order. */
export const DATASET_TABLES: readonly string[] = DATASET_LOAD_ORDER.map(({ kind }) => TABLES[kind].table);

/** The tables a reset empties, those referring to others first. */
export const RESET_TABLES: readonly string[] = [...LOAD_ORDER]
  .reverse()
  .filter((kind) => !KEPT_ON_RESET.has(kind))
  .map((kind) => TABLES[kind].table);
