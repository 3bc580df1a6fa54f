import readline from 'node:readline';
import { Bundle, Resource } from '@medplum/fhirtypes';
import { AccessPolicy } from '../access/context';
import { ImportContext } from '../services/imports/importContext';
import { FhirFilesApplier, FhirImportFile, FhirImportWriter } from '../services/imports/runImport';
import { Store } from '../store/store';
import { applyCouncilWrite, mappingOf, WRITE_ORDER, writeRank } from './councilWrites';
import { WriteContext } from './definition';
import { FhirError } from './outcome';
import { definitionOf } from './registry';

/**
 * The fhir kind of import: the council's records as FHIR resources in our profiles, as NDJSON (one
 * resource a line, as a Bulk Data export writes them) or as a Bundle (of any type; each entry's
 * resource is taken). Each resource is written as an update-as-create of its id (or of the id its
 * own identifier gives: a person's social-care reference, a package's id), through exactly the
 * checks and the change path of a FHIR write; one that is refused is a reject of its line, and
 * undone alone (a savepoint), while the rest go on. Resources are applied in the order their
 * references need (organisations and workers, then people, then what is about people), whatever
 * the order of the file.
 */


interface Located {
  resource: unknown;
  file: string;
  line: number;
  /** Where in a Bundle, for the reject's words. */
  entry?: number;
}

/** The applier the import services are handed, over one store (conditional matches search it). */
export function fhirFilesApplier(store: Store): FhirFilesApplier {
  return async (ctx, files, writer) => {
    const located: Located[] = [];
    for (const f of files) located.push(...(await readResources(ctx, f)));
    const rank = (l: Located) => writeRank((l.resource as Resource | undefined)?.resourceType);
    const ordered = located.map((l, i) => ({ l, i })).sort((a, b) => rank(a.l) - rank(b.l) || a.i - b.i);
    const write = writeContext(store, ctx, writer);
    for (const { l } of ordered) await applyOne(ctx, write, l);
  };
}

/**
 * The import's authority: the council's client's, whose organisation and scopes were checked when
 * the import was accepted; its view still decides whether it may write restricted records.
 */
function writeContext(store: Store, ctx: ImportContext, writer: FhirImportWriter): WriteContext {
  const access: AccessPolicy = { read: () => 'all', write: () => true };
  return {
    store,
    access,
    view: writer.view,
    council: { odsCode: ctx.councilOdsCode, intakeTeamId: '' },
    changedBy: ctx.importId,
  };
}

async function applyOne(ctx: ImportContext, write: WriteContext, l: Located): Promise<void> {
  const refuse = (reason: string) => ctx.refuse({ file: l.file, line: l.line, reason: l.entry === undefined ? reason : `Bundle.entry[${l.entry}]: ${reason}` });
  const resource = l.resource as Resource & Record<string, unknown>;
  if (!resource || typeof resource !== 'object' || typeof resource.resourceType !== 'string') return refuse('not a FHIR resource (no resourceType)');
  const def = definitionOf(resource.resourceType);
  if (!def?.councilRecord) return refuse(`${resource.resourceType} is not one of the council's record types this import writes (${WRITE_ORDER.join(', ')})`);
  let id: string | undefined;
  try {
    id = typeof resource.id === 'string' ? resource.id : mappingOf(def).idFromResource?.(resource);
  } catch (err) {
    if (err instanceof FhirError) return refuse(err.message);
    throw err;
  }
  if (!id) return refuse(`a ${def.type} needs its id, or the council's own identifier of it, to be written again by the next import`);
  await ctx.tx.query('SAVEPOINT fhir_import_resource');
  try {
    const applied = await applyCouncilWrite(ctx.tx, def, { method: 'PUT', id, body: { ...resource, id } }, write);
    await ctx.tx.query('RELEASE SAVEPOINT fhir_import_resource');
    ctx.count(def.type, applied.status === 201 ? { added: 1 } : applied.changed ? { changed: 1 } : { unchanged: 1 });
  } catch (err) {
    await ctx.tx.query('ROLLBACK TO SAVEPOINT fhir_import_resource');
    await ctx.tx.query('RELEASE SAVEPOINT fhir_import_resource');
    if (!(err instanceof FhirError)) throw err;
    const issues = err.outcome.issue ?? [];
    refuse(issues.map(issueText).join('; ') || err.message);
  }
}

/**
 * A file's resources: NDJSON when its first line is a whole JSON value, else one JSON document (a
 * pretty-printed Bundle). A Bundle anywhere gives its entries' resources.
 */
async function readResources(ctx: ImportContext, f: FhirImportFile): Promise<Located[]> {
  const lines: string[] = [];
  for await (const line of readline.createInterface({ input: f.open(), crlfDelay: Infinity })) lines.push(line.replace(/^\uFEFF/, ''));
  const firstLine = lines.findIndex((l) => l.trim() !== '');
  if (firstLine < 0) return [];
  const out: Located[] = [];
  if (parses(lines[firstLine])) {
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue;
      f.file.rows++;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        ctx.refuse({ file: f.name, line: i + 1, reason: `not JSON: ${(err as Error).message}` });
        continue;
      }
      out.push(...expand(value, f.name, i + 1));
    }
    return out;
  }
  let document: unknown;
  try {
    document = JSON.parse(lines.join('\n'));
  } catch (err) {
    f.file.rows++;
    ctx.refuse({ file: f.name, line: 1, reason: `neither NDJSON (one resource a line) nor one JSON document: ${(err as Error).message}` });
    return [];
  }
  const resources = expand(document, f.name, 1);
  f.file.rows += resources.length;
  return resources;
}

function expand(value: unknown, file: string, line: number): Located[] {
  const bundle = value as Bundle;
  if (bundle?.resourceType !== 'Bundle') return [{ resource: value, file, line }];
  return (Array.isArray(bundle.entry) ? bundle.entry : []).map((e, entry) => ({ resource: e?.resource, file, line, entry }));
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** An issue as a reject's reason: the element, then what is wrong (once, when the words already name it). */
function issueText(issue: { expression?: string[]; diagnostics?: string; details?: { text?: string }; code: string }): string {
  const words = issue.diagnostics ?? issue.details?.text ?? issue.code;
  const where = issue.expression?.join(', ');
  return where && !words.startsWith(where) ? `${where}: ${words}` : words;
}
