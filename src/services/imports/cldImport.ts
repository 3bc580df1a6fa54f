import { Assessment } from '../../domain/assessment';
import { CareRelationship } from '../../domain/carer';
import { isOpenedFromNotice, Person } from '../../domain/person';
import { Organisation } from '../../domain/organisation';
import { CldPackage, CldPerson, CldRowFacts, ImportReject } from '../../import/importTypes';
import { changeWhere, currentRecords, moveReferences, writeRecords } from '../../store/changePath';
import { EntityKind } from '../../store/criteria';
import { SqlExecutor } from '../../store/sqlDriver';
import { EntityTypes } from '../../store/tables';
import { ImportContext } from './importContext';
import { mergeCldAssessment, mergeCldPackage, mergeCldPerson } from './cldMerge';

/** Rows staged, and records applied, per round trip: large enough to amortise statements, small enough to stream. */
const BATCH = 5_000;

/**
 * Applies a CLD return inside the import's transaction, in two steps. First every row is staged
 * (temporary tables, gone with the transaction): what the rows say of each person, folded together
 * (a row may leave blank what another states), each event, each carer link. Then the staged return
 * is applied in order: people, the providers packages name (by CQC location id), packages,
 * assessments and reviews, carer links. The return is the council's whole current picture: open
 * packages and carer links an earlier CLD import brought in that this one does not hold are ended,
 * never deleted; past assessments stay as history.
 */
export async function applyCld(ctx: ImportContext, items: AsyncIterable<CldRowFacts | ImportReject>): Promise<void> {
  await createStaging(ctx.tx);
  await ctx.inBatches(items, BATCH, (batch) => stage(ctx.tx, batch));
  await refuseWhatCannotBeApplied(ctx);
  await applyPeople(ctx);
  await applyProviders(ctx);
  await applyEvents(ctx, 'carePackage', 'carePackages', (before, e) => mergeCldPackage(before, e.record, e.provider_id ?? undefined));
  await applyEvents(ctx, 'assessment', 'assessments', (before, e) => mergeCldAssessment(before, e.record));
  await applyCareRelationships(ctx);
  if (ctx.rejectedRows === 0) await endWhatTheReturnNoLongerHolds(ctx);
  else {
    ctx.notes.push(
      'Packages and carer links that earlier returns brought in and this one does not hold were left as they were, because rows were ' +
        'rejected: a rejected row may be the one that holds them. Fix the rejected rows and import again to end them.',
    );
  }
}

async function createStaging(tx: SqlExecutor): Promise<void> {
  await tx.exec(`
    CREATE TEMP TABLE import_people (id text PRIMARY KEY, facts jsonb NOT NULL, rows jsonb NOT NULL) ON COMMIT DROP;
    CREATE TEMP TABLE import_events (id text PRIMARY KEY, kind text NOT NULL, person_id text NOT NULL, record jsonb NOT NULL,
      file text NOT NULL, line integer NOT NULL) ON COMMIT DROP;
    CREATE INDEX import_events_kind ON import_events (kind, id);
    CREATE TEMP TABLE import_links (id text PRIMARY KEY, carer_id text NOT NULL, cared_for_id text NOT NULL, record jsonb NOT NULL,
      file text NOT NULL, line integer NOT NULL) ON COMMIT DROP;
    CREATE TEMP TABLE import_refused_people (id text PRIMARY KEY) ON COMMIT DROP;
    CREATE TEMP TABLE import_refused_rows (file text NOT NULL, line integer NOT NULL, PRIMARY KEY (file, line)) ON COMMIT DROP;
  `);
}

/** Stages a batch of rows: each person's facts folded into what earlier rows said, events and links as they are. */
async function stage(tx: SqlExecutor, rows: CldRowFacts[]): Promise<void> {
  if (rows.length === 0) return;
  const people = new Map<string, { id: string; facts: Partial<CldPerson>; rows: [string, number][] }>();
  const events: { id: string; kind: string; person_id: string; record: unknown; file: string; line: number }[] = [];
  const links = new Map<string, { id: string; carer_id: string; cared_for_id: string; record: CareRelationship; file: string; line: number }>();
  for (const row of rows) {
    const staged = people.get(row.person.id);
    if (staged) {
      Object.assign(staged.facts, stated(row.person));
      staged.rows.push([row.at.file, row.at.line]);
    } else {
      people.set(row.person.id, { id: row.person.id, facts: stated(row.person), rows: [[row.at.file, row.at.line]] });
    }
    if (row.carePackage) events.push({ id: row.carePackage.id, kind: 'carePackage', person_id: row.person.id, record: row.carePackage, ...where(row) });
    if (row.assessment) events.push({ id: row.assessment.id, kind: 'assessment', person_id: row.person.id, record: row.assessment, ...where(row) });
    for (const link of row.careRelationships) {
      if (!links.has(link.id)) links.set(link.id, { id: link.id, carer_id: link.carerId, cared_for_id: link.caredForId, record: link, ...where(row) });
    }
  }
  await tx.query(
    `INSERT INTO import_people (id, facts, rows) SELECT id, facts, rows FROM jsonb_to_recordset($1::jsonb) AS r(id text, facts jsonb, rows jsonb)
     ON CONFLICT (id) DO UPDATE SET facts = import_people.facts || EXCLUDED.facts, rows = import_people.rows || EXCLUDED.rows`,
    [JSON.stringify([...people.values()])],
  );
  if (events.length) {
    // The reader refuses an event reference that says two things; one said twice is staged once.
    await tx.query(
      `INSERT INTO import_events (id, kind, person_id, record, file, line) SELECT id, kind, person_id, record, file, line
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, kind text, person_id text, record jsonb, file text, line integer) ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(events)],
    );
  }
  if (links.size) {
    await tx.query(
      `INSERT INTO import_links (id, carer_id, cared_for_id, record, file, line) SELECT id, carer_id, cared_for_id, record, file, line
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, carer_id text, cared_for_id text, record jsonb, file text, line integer) ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify([...links.values()])],
    );
  }
}

/** What a row states of a person: a blank (no name, no value) says nothing, so folds over nothing. */
function stated(person: CldPerson): Partial<CldPerson> {
  const facts: Partial<CldPerson> = {};
  for (const [key, value] of Object.entries(person) as [keyof CldPerson, unknown][]) {
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    (facts as Record<string, unknown>)[key] = value;
  }
  return facts;
}

function where(row: CldRowFacts): { file: string; line: number } {
  return { file: row.at.file, line: row.at.line };
}

/** Rows of a staging table in id order, a batch at a time (keyset paging). */
async function* batches<Row extends { id: string }>(tx: SqlExecutor, select: string, params: (string | string[])[] = []): AsyncGenerator<Row[]> {
  let after = '';
  for (;;) {
    const rows = await tx.query<Row>(`${select} AND id > $${params.length + 1} ORDER BY id LIMIT ${BATCH}`, [...params, after]);
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1].id;
  }
}

/**
 * Writes the people of the return. One NHS number is one person: a number that two people of the
 * return give, or that a person already held under another id has, refuses every row of theirs.
 */
async function applyPeople(ctx: ImportContext): Promise<void> {
  const { tx } = ctx;
  const shared = new Set(
    (
      await tx.query<{ n: string }>(
        `SELECT facts->>'nhsNumber' AS n FROM import_people WHERE facts ? 'nhsNumber' GROUP BY 1 HAVING count(*) > 1`,
      )
    ).map((r) => r.n),
  );
  type Staged = { id: string; facts: Partial<CldPerson>; rows: [string, number][] };
  for await (const staged of batches<Staged>(tx, 'SELECT id, facts, rows FROM import_people WHERE true')) {
    const numbers = staged.map((p) => p.facts.nhsNumber).filter((n): n is string => !!n);
    const holders = new Map<string, string>();
    if (numbers.length) {
      for (const row of await tx.query<{ id: string; nhs_number: string }>('SELECT id, nhs_number FROM people WHERE nhs_number = ANY($1)', [numbers])) {
        holders.set(row.nhs_number, row.id);
      }
    }
    const accepted: Staged[] = [];
    const refused: string[] = [];
    const adopted = new Map<string, string>();
    for (const person of staged) {
      const nhs = person.facts.nhsNumber;
      const holder = nhs ? holders.get(nhs) : undefined;
      if (nhs && !shared.has(nhs) && holder && holder !== person.id && isOpenedFromNotice(holder)) {
        // Someone a hospital told the council of before the council knew them: its record takes over.
        adopted.set(person.id, holder);
        accepted.push(person);
        continue;
      }
      const why = !nhs
        ? undefined
        : shared.has(nhs)
          ? 'the return gives this NHS number to more than one person: one NHS number, one person'
          : holder && holder !== person.id
            ? "the NHS number belongs to another person the council's data already holds, under another id: one NHS number, one person"
            : undefined;
      if (!why) {
        accepted.push(person);
        continue;
      }
      refused.push(person.id);
      for (const [file, line] of distinctRows(person.rows)) ctx.refuse({ file, line, column: 'NHS Number', value: nhs, reason: why });
    }
    if (refused.length) await tx.query('INSERT INTO import_refused_people (id) SELECT unnest($1::text[])', [refused]);
    const placeholders = await currentRecords(tx, 'person', [...adopted.values()]);
    // The number moves first: one NHS number is one person at every moment, the unique index says so.
    await changeWhere(tx, 'person', { set: { nhs_number: null }, ids: [...adopted.values()], changedBy: ctx.importId });
    const current = await currentRecords(tx, 'person', accepted.map((p) => p.id));
    const merged = accepted.map((p) => {
      // Folded from rows that each state some of the person: birth date and gender the reader requires of every row.
      const person = mergeCldPerson(current.get(p.id)?.record, { givenNames: [], familyName: '', ...p.facts, id: p.id } as CldPerson);
      const from = adopted.get(p.id);
      return from ? takeOver(person, placeholders.get(from)!.record) : person;
    });
    ctx.count('people', await writeRecords(tx, 'person', merged, { changedBy: ctx.importId, current }));
    if (adopted.size) await adoptNoticeRecords(ctx, [...adopted].map(([to, from]) => ({ from, to })));
  }
}

/** Each row once, in file and line order. */
function distinctRows(rows: [string, number][]): [string, number][] {
  const seen = new Map(rows.map(([file, line]) => [`${line}@${file}`, [file, line] as [string, number]]));
  return [...seen.values()].sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1]);
}

/**
 * What a record opened from a hospital notice holds that the council's must not lose when it takes
 * over: a restriction (never lifted by taking over), an allocation, and the contact details the
 * council set on it since.
 */
function takeOver(person: Person, placeholder: Person): Person {
  return {
    ...person,
    restricted: person.restricted || placeholder.restricted,
    allocatedWorkerId: person.allocatedWorkerId ?? placeholder.allocatedWorkerId,
    responsibleTeamId: person.responsibleTeamId ?? placeholder.responsibleTeamId,
    telecom: person.telecom.length ? person.telecom : placeholder.telecom,
    address: person.address?.lines.length ? person.address : (placeholder.address ?? person.address),
  };
}

/**
 * Records opened from hospital notices for people the council did not yet know, now in its return:
 * everything about them (notices, contacts, and whatever the council has recorded against them
 * since) moves to the council's record, and the placeholder goes, its last version kept in the
 * history as replaced by this import.
 */
async function adoptNoticeRecords(ctx: ImportContext, adopted: { from: string; to: string }[]): Promise<void> {
  for (const [kind, column] of PERSON_REFERENCES) await moveReferences(ctx.tx, kind, column, adopted, ctx.importId);
  const from = adopted.map((a) => a.from);
  await ctx.tx.query(
    `INSERT INTO record_history (entity, id, version, last_updated, record, replaced_by)
     SELECT 'person', id, version, last_updated, to_jsonb(t) - 'version' - 'last_updated', $2 FROM people AS t WHERE id = ANY($1)`,
    [from, ctx.importId],
  );
  await ctx.tx.query('DELETE FROM people WHERE id = ANY($1)', [from]);
  ctx.notes.push(
    `${adopted.length} people first known from hospital notices are now the council's own records: ` +
      adopted.map((a) => `${a.from} -> ${a.to}`).join(', ') +
      ' (their notices, contacts and any other records moved with them).',
  );
}

/** Every column that names a person: what a person's records are found by. */
const PERSON_REFERENCES: [EntityKind, string][] = [
  ['carePackage', 'person_id'],
  ['safeguardingConcern', 'person_id'],
  ['assessment', 'person_id'],
  ['careRelationship', 'carer_id'],
  ['careRelationship', 'cared_for_id'],
  ['notice', 'person_id'],
  ['contact', 'person_id'],
];

/**
 * Rows the staged return holds that cannot be applied, refused before anything is written so that
 * nothing of them is: an event the store holds for another person, a carer link to an adult who is
 * neither in the return nor held. A person all of whose rows are refused is not written either.
 */
async function refuseWhatCannotBeApplied(ctx: ImportContext): Promise<void> {
  const { tx } = ctx;
  const events = await tx.query<{ id: string; file: string; line: number; kind: string; held_for: string }>(
    `SELECT e.id, e.file, e.line, e.kind, h.person_id AS held_for FROM import_events e
       JOIN (SELECT id, person_id, 'carePackage' AS kind FROM care_packages UNION ALL SELECT id, person_id, 'assessment' FROM assessments) AS h
         ON h.id = e.id AND h.kind = e.kind
     WHERE h.person_id <> e.person_id ORDER BY e.file, e.line`,
  );
  for (const e of events) {
    ctx.refuse({ file: e.file, line: e.line, column: 'Event Reference', value: e.id, reason: `the event is ${e.kind === 'carePackage' ? 'a package' : 'an assessment'} of another person` });
  }
  const links = await tx.query<{ id: string; file: string; line: number; cared_for_id: string }>(
    `SELECT l.id, l.file, l.line, l.cared_for_id FROM import_links l
     WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.id = l.cared_for_id) AND NOT EXISTS (SELECT 1 FROM import_people s WHERE s.id = l.cared_for_id)
     ORDER BY l.file, l.line`,
  );
  for (const l of links) {
    ctx.refuse({ file: l.file, line: l.line, column: 'Adult Linked Person_ID', value: l.cared_for_id, reason: 'the adult cared for is not a person in the return or already held' });
  }
  const rows = [...events, ...links].map((r) => ({ file: r.file, line: r.line }));
  if (rows.length === 0) return;
  await tx.query('DELETE FROM import_events WHERE id = ANY($1)', [events.map((e) => e.id)]);
  await tx.query('DELETE FROM import_links WHERE id = ANY($1)', [links.map((l) => l.id)]);
  await tx.query(
    `INSERT INTO import_refused_rows (file, line) SELECT file, line FROM jsonb_to_recordset($1::jsonb) AS r(file text, line integer) ON CONFLICT DO NOTHING`,
    [JSON.stringify(rows)],
  );
  // A person every row of whom was refused: nothing of theirs is written.
  await tx.query(
    `DELETE FROM import_people p WHERE NOT EXISTS (
       SELECT 1 FROM jsonb_array_elements(p.rows) AS r(pair)
       WHERE NOT EXISTS (SELECT 1 FROM import_refused_rows x WHERE x.file = r.pair->>0 AND x.line = (r.pair->>1)::integer))`,
  );
}

/**
 * The providers the return's packages name, by CQC location id. A location no organisation has yet
 * is added as a provider under the return's name for it (id CQC-<location id>); importing CQC's
 * directory then gives it an address and phone number.
 */
async function applyProviders(ctx: ImportContext): Promise<void> {
  const named = await ctx.tx.query<{ location: string; name: string | null; known: boolean }>(
    `SELECT p.location, p.name, EXISTS (SELECT 1 FROM organisations o WHERE o.cqc_location_id = p.location) AS known
     FROM (SELECT e.record->'provider'->>'cqcLocationId' AS location, max(e.record->'provider'->>'name') AS name
           FROM import_events e WHERE e.kind = 'carePackage' AND e.record->'provider'->>'cqcLocationId' IS NOT NULL GROUP BY 1) AS p
     ORDER BY p.location`,
  );
  const added: Organisation[] = named
    .filter((p) => !p.known)
    .map((p) => ({ id: `CQC-${p.location}`, kind: 'provider', name: p.name || `CQC location ${p.location}`, cqcLocationId: p.location, telecom: [] }));
  for (let i = 0; i < added.length; i += BATCH) {
    ctx.count('providers', await writeRecords(ctx.tx, 'organisation', added.slice(i, i + BATCH), { changedBy: ctx.importId }));
  }
}

/** A staged event (package or assessment), with the provider its CQC location id names, if any. */
interface StagedEvent {
  id: string;
  person_id: string;
  record: CldPackage & Assessment;
  file: string;
  line: number;
  provider_id: string | null;
}

/** Packages or assessments of the return, each written over what is held under its id. */
async function applyEvents<K extends 'carePackage' | 'assessment'>(
  ctx: ImportContext,
  kind: K,
  counted: string,
  merge: (before: EntityTypes[K] | undefined, event: StagedEvent) => EntityTypes[K],
): Promise<void> {
  const { tx } = ctx;
  const select = `SELECT e.id, e.person_id, e.record, e.file, e.line,
      (SELECT o.id FROM organisations o WHERE o.cqc_location_id = e.record->'provider'->>'cqcLocationId' ORDER BY o.id LIMIT 1) AS provider_id
    FROM import_events e WHERE e.kind = $1 AND NOT EXISTS (SELECT 1 FROM import_refused_people r WHERE r.id = e.person_id)`;
  for await (const staged of batches<StagedEvent>(tx, select, [kind])) {
    const current = await currentRecords(tx, kind, staged.map((e) => e.id));
    // An event held for another person was refused before anything was written (refuseWhatCannotBeApplied).
    const merged = staged.map((event) => merge(current.get(event.id)?.record, event));
    ctx.count(counted, await writeRecords(tx, kind, merged, { changedBy: ctx.importId, current }));
  }
}

/** Carer links: the adult cared for must be a person the council holds (in this return, or before it). */
async function applyCareRelationships(ctx: ImportContext): Promise<void> {
  const { tx } = ctx;
  type Staged = { id: string; record: CareRelationship; file: string; line: number; cared_for_known: boolean };
  const select = `SELECT l.id, l.record, l.file, l.line, EXISTS (SELECT 1 FROM people p WHERE p.id = l.cared_for_id) AS cared_for_known
    FROM import_links l WHERE NOT EXISTS (SELECT 1 FROM import_refused_people r WHERE r.id = l.carer_id)`;
  for await (const staged of batches<Staged>(tx, select)) {
    const accepted: CareRelationship[] = [];
    for (const link of staged) {
      if (!link.cared_for_known) {
        ctx.refuse({ file: link.file, line: link.line, column: 'Adult Linked Person_ID', value: link.record.caredForId, reason: 'the adult cared for is not a person in the return or already held' });
        continue;
      }
      accepted.push(link.record);
    }
    const current = await currentRecords(tx, 'careRelationship', accepted.map((r) => r.id));
    const merged = accepted.map((r) => {
      const before = current.get(r.id)?.record;
      // Back in the return after an import ended it: active again; the words for how they are related are kept.
      return { ...before, ...r, endedBy: undefined, relationship: r.relationship ?? before?.relationship, source: before?.source ?? r.source };
    });
    ctx.count('careRelationships', await writeRecords(tx, 'careRelationship', merged, { changedBy: ctx.importId, current }));
  }
}

/** Ends the open packages and carer links earlier CLD imports brought in that this return does not hold. */
async function endWhatTheReturnNoLongerHolds(ctx: ImportContext): Promise<void> {
  const packages = await changeWhere(ctx.tx, 'carePackage', {
    set: { status: 'ended', status_reason: "No longer in the council's CLD return", ended_by: ctx.importId },
    where: `t.source = 'cld' AND t.status IN ('planned', 'active', 'suspended') AND NOT EXISTS (SELECT 1 FROM import_events e WHERE e.id = t.id)`,
    changedBy: ctx.importId,
  });
  ctx.end('carePackages', packages);
  const links = await changeWhere(ctx.tx, 'careRelationship', {
    set: { status: 'ended', ended_by: ctx.importId },
    where: `t.source = 'cld' AND t.status = 'active' AND NOT EXISTS (SELECT 1 FROM import_links l WHERE l.id = t.id)`,
    changedBy: ctx.importId,
  });
  ctx.end('careRelationships', links);
}
