import { WriteContext, WriteResult } from '../definition';
import { badRequest, insufficientScope } from '../outcome';
import { WriteInteraction } from '../../access/context';

const PERMISSION = { create: 'c', update: 'u', delete: 'd' } as const;

/** What the write handlers share: the permission check and the result. */

/** Refuses (403) a caller whose scopes do not let it write this type. */
export function requireWrite(ctx: WriteContext, type: string, interaction: WriteInteraction) {
  const allowed = ctx.access.write ? ctx.access.write(type, interaction) : ctx.access.read(type) === 'all';
  if (!allowed) throw insufficientScope(`This client may not ${interaction} ${type} resources`, type, PERMISSION[interaction], ctx.caller?.scope);
}

/** A write's result: the resource written, and its version and time (for ETag and Last-Modified) read off its meta. */
export function writeResult(
  status: number,
  resource: { id?: string; meta?: { versionId?: string; lastUpdated?: string } },
  createdId?: string,
): WriteResult {
  return {
    status,
    resource: resource as WriteResult['resource'],
    version: { versionId: resource.meta!.versionId!, lastUpdated: resource.meta!.lastUpdated! },
    createdId,
  };
}

/** The version an If-Match names (W/"3" or "3"); undefined without one; anything else is the sender's mistake. */
export function versionOf(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined) return undefined;
  const m = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
  if (!m) throw badRequest(`If-Match must be a version ETag such as W/"3", not ${ifMatch}`, ['If-Match']);
  return Number(m[1]);
}
