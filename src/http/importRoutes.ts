import { viewRules } from '../access/views';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import express, { Request, Response, Router } from 'express';
import { Caller, RequestContext } from '../access/context';
import { AuditRecorder } from '../audit/recorder';
import { badRequest, FhirError, forbidden, notFound, outcome } from '../fhir/outcome';
import { ID } from '../domain/ids';
import { ImportJobs } from '../services/imports/importJobs';
import { IMPORT_KINDS, ImportKind, TYPES_AN_IMPORT_WRITES } from '../services/imports/importReport';
import { ImportSource } from '../services/imports/runImport';
import { ContextResolver } from './fhirRoutes';
import { noteCaller } from './accessLog';
import { requestIdOf } from './requestIds';
import { ErrorLog, sendError, sendResource, statusOf } from './respond';

/** How long a client polling a running import is asked to wait before asking again. */
const POLL_SECONDS = 2;

export interface ImportRoutesOptions {
  jobs: ImportJobs;
  resolveContext: ContextResolver;
  audit?: Pick<AuditRecorder, 'fhirInteraction'>;
  log: ErrorLog;
  /** The FHIR base URL, for status URLs. */
  baseUrl: string;
  /** Only the council's own clients may load its data. */
  councilOds: string;
  /** Where uploaded files are kept while their import runs (removed once it has ended). */
  uploadDir: string;
  /** The most an import's files may hold together. */
  maxUploadBytes: number;
  /** The per-client request limit, as for the FHIR routes: 0 when the client may go on, else the seconds to wait. */
  limit?: (caller: Caller) => number | Promise<number>;
}

/**
 * The council's data in over HTTP, as a FHIR asynchronous operation: POST [base]/$import with
 * Prefer: respond-async and the files (text/csv, or several as multipart/form-data) answers 202 and
 * a status URL ([base]/$import-status/[id]); polling it answers 202 with X-Progress while the
 * import runs, then 200 with the report. Only the council's clients may import, with create and
 * update on every type the kind of file fills.
 */
export function importRoutes(opts: ImportRoutesOptions): Router {
  const r = express.Router();
  r.use(async (req: Request, res: Response, next) => {
    const status = /^\/\$import-status\/([^/]+)$/.exec(req.path);
    if (req.path !== '/$import' && !status) return next();
    let caller: Caller | undefined;
    try {
      const context = await opts.resolveContext(req);
      caller = context.caller;
      noteCaller(res, caller);
      const wait = caller && opts.limit ? await opts.limit(caller) : 0;
      if (wait > 0) {
        throw new FhirError(429, outcome('throttled', `Too many requests from ${caller!.clientId}: wait ${wait} s before the next (a per-client limit)`), {
          'Retry-After': String(wait),
        });
      }
      if (status) {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          throw new FhirError(405, outcome('not-supported', `${req.method} is not supported on an import's status: use GET`), { Allow: 'GET, HEAD' });
        }
        await answerStatus(req, res, context, status[1]);
      } else {
        if (req.method !== 'POST') throw new FhirError(405, outcome('not-supported', `${req.method} is not supported on $import: use POST`), { Allow: 'POST' });
        await kickOff(req, res, context);
      }
    } catch (err) {
      // The upload may still be arriving: read it away, or the connection cannot carry the answer.
      req.resume();
      await refuse(req, res, err, caller);
    }
  });

  async function kickOff(req: Request, res: Response, context: RequestContext): Promise<void> {
    const kind = single(req.query.kind);
    if (!IMPORT_KINDS.includes(kind as ImportKind)) {
      throw badRequest(`kind must be one of ${IMPORT_KINDS.join(', ')}${kind ? `, not "${kind}"` : ''}`, ['kind']);
    }
    authorise(context, kind as ImportKind);
    if (!/respond-async/i.test(req.get('prefer') ?? '')) {
      throw badRequest('An import runs for longer than a request should: send Prefer: respond-async, then poll the status URL it answers with');
    }
    const dryRun = flag(single(req.query.dryRun), 'dryRun');
    const maxRejectsText = single(req.query.maxRejects) ?? '0';
    const maxRejects = Number(maxRejectsText);
    if (!/^\d+$/.test(maxRejectsText) || !Number.isSafeInteger(maxRejects)) throw badRequest(`maxRejects must be a whole number of rows, not "${maxRejectsText}"`, ['maxRejects']);
    // Taken before the upload is read, so that two requests at once cannot both be uploading.
    const release = opts.jobs.reserve();
    if (!release) {
      throw new FhirError(429, outcome('throttled', 'Another import is running on this instance: try again when it has ended'), { 'Retry-After': '30' });
    }
    const uploadDir = path.join(opts.uploadDir, randomUUID());
    let accepted: Awaited<ReturnType<ImportJobs['accept']>>;
    let files: ImportSource[];
    try {
      fs.mkdirSync(uploadDir, { recursive: true, mode: 0o700 });
      files = await receiveFiles(req, kind as ImportKind, uploadDir, opts.maxUploadBytes, single(req.query.fileName));
      accepted = await opts.jobs.accept(
        {
          kind: kind as ImportKind,
          files,
          dryRun,
          maxRejects,
          by: { clientId: context.caller!.clientId, organization: context.caller!.organization, requestId: requestIdOf(res), view: context.view },
          uploadDir,
        },
        release,
      );
    } catch (err) {
      release();
      fs.rmSync(uploadDir, { recursive: true, force: true });
      throw err;
    }
    const { id, start, abandon } = accepted;
    const statusUrl = `${opts.baseUrl}/$import-status/${id}`;
    const answer = outcome('informational', `Import ${id} accepted (${files.map((f) => f.name).join(', ')}): poll ${statusUrl} for its report`, 'information');
    try {
      await audit(req, res, 202, context.caller, undefined);
    } catch (err) {
      // Unrecorded, the request is refused (503) and the import never runs.
      await abandon('the request could not be recorded in the audit trail').catch(opts.log);
      throw auditUnavailable(err);
    }
    start();
    sendResource(res, 202, answer, { 'Content-Location': statusUrl });
  }

  async function answerStatus(req: Request, res: Response, context: RequestContext, id: string): Promise<void> {
    const status = ID.test(id) ? await opts.jobs.status(id, context.caller!.clientId) : undefined;
    if (!status) throw notFound(`No import ${id} of this client's is known`);
    if (status.state === 'running') {
      // How far its own import has read tells the client nothing about anyone: not recorded, so that
      // it can be answered while the embedded store is busy with the import itself.
      res
        .status(202)
        .set({ 'X-Progress': `read ${status.progress.rows} rows (${status.progress.bytes} bytes)`, 'Retry-After': String(POLL_SECONDS), 'Cache-Control': 'no-store' })
        .end();
      return;
    }
    // The report names rejected rows' values (NHS numbers among them): recorded, and never cached.
    await audit(req, res, 200, context.caller, undefined);
    res.status(200).type('application/json').set('Cache-Control', 'no-store').send(JSON.stringify(status.report));
  }

  /** The council's clients only, with create and update on every type the import fills. */
  function authorise(context: RequestContext, kind: ImportKind): void {
    const caller = context.caller;
    if (!caller || caller.organization !== opts.councilOds) {
      throw forbidden(`Only the council's own clients may import its data; this client is of ${caller?.organization ?? 'no organisation'}`);
    }
    const lacking = TYPES_AN_IMPORT_WRITES[kind].filter(
      (type) => !context.access.write?.(type, 'create') || !context.access.write?.(type, 'update'),
    );
    if (lacking.length) {
      throw forbidden(`A ${kind} import creates and updates ${TYPES_AN_IMPORT_WRITES[kind].join(', ')}: the token lacks create or update on ${lacking.join(', ')}`);
    }
    // FHIR resources are written as FHIR writes are: by a client shown the whole record.
    if (kind === 'fhir' && !viewRules(context.view).councilFindings) {
      throw forbidden(`A fhir import writes the council's records whole: it needs the social-care view; this client has the ${context.view} view`);
    }
  }

  function auditUnavailable(err: unknown): FhirError {
    opts.log(err);
    return new FhirError(503, outcome('transient', 'The audit trail cannot be written just now, so nothing is done; try again shortly'));
  }

  async function refuse(req: Request, res: Response, err: unknown, caller: Caller | undefined): Promise<void> {
    // The audit trail itself could not be written: nothing more can be recorded.
    if (err instanceof FhirError && err.status === 503) {
      sendError(res, err, opts.log);
      return;
    }
    try {
      await audit(req, res, statusOf(err), caller, err);
    } catch (auditErr) {
      opts.log(auditErr, res);
      sendError(res, new FhirError(503, outcome('transient', 'The audit trail cannot be written just now, so nothing is done; try again shortly')), opts.log);
      return;
    }
    sendError(res, err, opts.log);
  }

  async function audit(req: Request, res: Response, status: number, caller: Caller | undefined, err?: unknown): Promise<void> {
    if (!opts.audit) return;
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : undefined;
    await opts.audit.fhirInteraction({
      request: { requestId: requestIdOf(res), method: req.method, path: req.path, query, headers: (n) => req.get(n) },
      status,
      caller,
      error: err instanceof FhirError ? err.outcome.issue?.[0]?.diagnostics : err ? (err as Error).message : undefined,
    });
  }
  return r;
}

/**
 * Saves the request's files under dir: one CSV body (text/csv), or each file part of a
 * multipart/form-data body. Refused with 413 once they hold more than maxBytes together.
 */
async function receiveFiles(req: Request, kind: ImportKind, dir: string, maxBytes: number, fileName?: string): Promise<ImportSource[]> {
  const type = req.get('content-type') ?? '';
  if (/^multipart\/form-data/i.test(type)) return receiveParts(req, dir, maxBytes);
  const fhir = kind === 'fhir';
  const accepted = fhir ? /^application\/(fhir\+ndjson|x-ndjson|ndjson|fhir\+json|json|octet-stream)\b/i : /^(text\/csv|application\/octet-stream)\b/i;
  if (!accepted.test(type)) {
    const wanted = fhir ? 'application/fhir+ndjson (or a Bundle as application/fhir+json)' : 'text/csv';
    throw new FhirError(415, outcome('not-supported', `Send the ${kind} file as ${wanted}, or several as multipart/form-data, not ${type || 'no Content-Type'}`));
  }
  const name = safeName(fileName ?? dispositionName(req.get('content-disposition')) ?? (fhir ? 'upload.ndjson' : 'upload.csv'));
  const file = path.join(dir, `0-${name}`);
  await pipeline(req, limited(maxBytes), fs.createWriteStream(file)).catch((err) => {
    throw brokenOff(err);
  });
  if (fs.statSync(file).size === 0) throw badRequest('The request carries no file: send the file as the body');
  return [{ name, path: file }];
}

function receiveParts(req: Request, dir: string, maxBytes: number): Promise<ImportSource[]> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: MAX_FILES } });
    } catch (err) {
      reject(badRequest(`The multipart body cannot be read: ${(err as Error).message}`));
      return;
    }
    const files: ImportSource[] = [];
    const streams: Readable[] = [];
    const writes: Promise<void>[] = [];
    let total = 0;
    let failed: unknown;
    // Stops reading and ends every file being written (pipeline closes each file as its source is
    // destroyed), then refuses: the folder is removed next, and a file left open would keep its
    // disk space until the process ends.
    const fail = (err: unknown) => {
      if (failed) return;
      failed = err;
      req.unpipe(parser);
      for (const stream of streams) stream.destroy();
      reject(err);
    };
    parser.on('file', (_field, stream, info) => {
      if (failed) {
        stream.resume();
        return;
      }
      const name = safeName(info.filename || `part-${files.length + 1}.csv`);
      const file = path.join(dir, `${files.length}-${name}`);
      files.push({ name, path: file });
      streams.push(stream);
      stream.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > maxBytes) fail(tooLarge(maxBytes));
      });
      stream.on('limit', () => fail(tooLarge(maxBytes)));
      writes.push(pipeline(stream, fs.createWriteStream(file)).catch((err) => fail(failed ?? brokenOff(err))));
    });
    // More files than an import takes: refused, never silently cut short (a CLD return cut short would end packages).
    parser.on('filesLimit', () => fail(new FhirError(413, outcome('too-costly', `An import takes at most ${MAX_FILES} files`))));
    parser.on('error', (err) => fail(badRequest(`The multipart body cannot be read: ${(err as Error).message}`)));
    parser.on('close', () => {
      void Promise.all(writes).then(() => {
        if (failed) return;
        if (files.length === 0) return reject(badRequest('The multipart body holds no file part: send each file as a part with a filename'));
        resolve(files);
      });
    });
    req.on('aborted', () => fail(brokenOff(new Error('aborted'))));
    req.pipe(parser);
  });
}

/** The most files one import takes. */
const MAX_FILES = 100;

/** An upload the client stopped sending part-way (a closed connection): the client's doing, not ours. */
function brokenOff(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (err instanceof FhirError) return err;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || (err as Error).message === 'aborted') {
    return badRequest('The upload broke off before it was complete: send the files again');
  }
  return err;
}

/** Passes bytes on until there are more than max, then fails with 413. */
function limited(max: number) {
  let seen = 0;
  return async function* (source: Readable) {
    for await (const chunk of source) {
      seen += (chunk as Buffer).length;
      if (seen > max) throw tooLarge(max);
      yield chunk;
    }
  };
}

function tooLarge(max: number): FhirError {
  return new FhirError(413, outcome('too-costly', `The import's files hold more than ${Math.floor(max / 1_048_576)} MB (IMPORT_MAX_MEGABYTES)`));
}

/** A file name as reports may show it: its last path part, plain characters only. */
function safeName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/')).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return base && base !== '.' && base !== '..' ? base : 'upload.csv';
}

function dispositionName(header: string | undefined): string | undefined {
  return header ? /filename="?([^";]+)"?/i.exec(header)?.[1] : undefined;
}

function single(v: unknown): string | undefined {
  if (Array.isArray(v)) throw badRequest('Each import parameter may be given once');
  return typeof v === 'string' ? v : undefined;
}

function flag(v: string | undefined, name: string): boolean {
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  throw badRequest(`${name} must be true or false, not "${v}"`, [name]);
}
