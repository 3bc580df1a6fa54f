import { WriteContext, WriteResult } from '../definition';
import { insufficientScope } from '../outcome';

/** What the write handlers of hospital notices and contacts share: the permission check and the result. */

/** Refuses (403) a caller whose scopes do not let it write this type. */
export function requireWrite(ctx: WriteContext, type: string, interaction: 'create' | 'update') {
  const allowed = ctx.access.write ? ctx.access.write(type, interaction) : ctx.access.read(type) === 'all';
  if (!allowed) throw insufficientScope(`This client may not ${interaction} ${type} resources`, type, interaction === 'create' ? 'c' : 'u', ctx.caller?.scope);
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
