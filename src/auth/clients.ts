import { isView, VIEW_NAMES } from '../access/views';
import fs from 'node:fs';
import type { JSONWebKeySet, JWK } from 'jose';
import { ConfigError, keyUrl } from '../config';
import { View } from '../access/context';
import { parseScope, ResourceScope } from './scopes';

/** One registered backend-services client. */
export interface RegisteredClient {
  clientId: string;
  /** Its public keys, registered inline ... */
  jwks?: JSONWebKeySet;
  /** ... or the URL it publishes them at (fetched, honouring Cache-Control, so keys can rotate). */
  jwksUri?: string;
  /** The scopes it may be granted, as registered. */
  scope: string;
  scopes: ResourceScope[];
  /** Its organisation's ODS code. */
  organization: string;
  view: View;
  description?: string;
}

const FIELDS = new Set(['client_id', 'jwks', 'jwks_uri', 'scope', 'organization', 'view', 'description']);
const CLIENT_ID = /^[A-Za-z0-9._~:-]{1,128}$/;
const ODS_CODE = /^[A-Za-z0-9]{2,12}$/;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** The signing algorithm each key type is used with at the token endpoint. */
const KEY_ALGORITHMS: Record<string, string> = { RSA: 'RS384', EC: 'ES384' };

/** The clients allowed to ask for tokens, read once from CLIENTS_FILE and checked. */
export class ClientRegistry {
  private readonly byId: Map<string, RegisteredClient>;

  constructor(
    clients: RegisteredClient[],
    readonly source: string,
  ) {
    this.byId = new Map(clients.map((c) => [c.clientId, c]));
  }

  get(clientId: string): RegisteredClient | undefined {
    return this.byId.get(clientId);
  }

  all(): RegisteredClient[] {
    return [...this.byId.values()];
  }
}

/** Reads and checks a clients file; a problem stops start-up with a message naming the entry and field. */
export function loadClients(file: string): ClientRegistry {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the clients file ${file} (CLIENTS_FILE): ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`the clients file ${file} is not JSON: ${(err as Error).message}`);
  }
  return new ClientRegistry(parseClients(json, file), file);
}

export function parseClients(json: unknown, source: string): RegisteredClient[] {
  if (!Array.isArray(json)) {
    throw new ConfigError(`the clients file ${source} must hold a JSON array of { client_id, jwks | jwks_uri, scope, organization }`);
  }
  const problems: string[] = [];
  const clients: RegisteredClient[] = [];
  const seen = new Set<string>();
  json.forEach((entry, i) => {
    const at = (field?: string) =>
      `entry ${i}${entry && typeof entry === 'object' && typeof entry.client_id === 'string' ? ` (${entry.client_id})` : ''}${field ? `: ${field}` : ''}`;
    const before = problems.length;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push(`${at()}: must be an object`);
      return;
    }
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (!FIELDS.has(k)) problems.push(`${at(k)} is not a known field (known: ${[...FIELDS].join(', ')})`);
    }
    if (typeof e.client_id !== 'string' || !CLIENT_ID.test(e.client_id)) {
      problems.push(`${at('client_id')} must be 1-128 characters of A-Z a-z 0-9 . _ ~ : -`);
    } else if (seen.has(e.client_id)) {
      problems.push(`${at('client_id')} is registered twice`);
    } else {
      seen.add(e.client_id);
    }
    if ((e.jwks === undefined) === (e.jwks_uri === undefined)) {
      problems.push(`${at()} needs exactly one of jwks (inline public keys) or jwks_uri`);
    }
    if (e.jwks !== undefined) problems.push(...jwksProblems(e.jwks).map((p) => `${at('jwks')} ${p}`));
    let jwksUri: string | undefined;
    if (e.jwks_uri !== undefined) {
      try {
        jwksUri = keyUrl('jwks_uri', String(e.jwks_uri));
      } catch (err) {
        problems.push(`${at()}: ${(err as Error).message}`);
      }
    }
    const scopes: ResourceScope[] = [];
    if (typeof e.scope !== 'string' || !e.scope.trim()) {
      problems.push(`${at('scope')} must be a space-separated list of scopes, e.g. "system/Patient.rs system/Flag.rs"`);
    } else {
      for (const text of e.scope.split(/\s+/).filter(Boolean)) {
        const s = parseScope(text);
        if (!s) problems.push(`${at('scope')} "${text}" is not a SMART resource scope (e.g. system/Flag.rs, system/*.read)`);
        else if (s.context !== 'system') {
          problems.push(
            `${at('scope')} "${text}": backend-services clients are registered for system/ scopes only (${s.context}/ scopes need ` +
              `${s.context === 'patient' ? 'a patient' : 'a user'} in context, which a client_credentials token never has)`,
          );
        } else scopes.push(s);
      }
    }
    if (typeof e.organization !== 'string' || !ODS_CODE.test(e.organization)) {
      problems.push(`${at('organization')} must be the client's ODS code (letters and digits, e.g. "RX1")`);
    }
    if (e.view !== undefined && !isView(e.view)) {
      problems.push(`${at('view')} must be one of ${VIEW_NAMES.map((v) => `"${v}"`).join(', ')} ("health" is the default)`);
    }
    if (e.description !== undefined && typeof e.description !== 'string') problems.push(`${at('description')} must be a string`);
    if (problems.length > before) return;
    clients.push({
      clientId: e.client_id as string,
      jwks: e.jwks as JSONWebKeySet | undefined,
      jwksUri,
      scope: (e.scope as string).trim().split(/\s+/).join(' '),
      scopes,
      organization: e.organization as string,
      view: (e.view as View | undefined) ?? 'health',
      description: e.description as string | undefined,
    });
  });
  if (problems.length) {
    throw new ConfigError(`the clients file ${source} has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
  }
  return clients;
}

/**
 * What is wrong with a JWKS of client public keys: RSA (2048 bits or more) or EC P-384 keys, each
 * with a kid unique within the set, never a private part.
 */
export function jwksProblems(jwks: unknown): string[] {
  if (!jwks || typeof jwks !== 'object' || !Array.isArray((jwks as JSONWebKeySet).keys) || !(jwks as JSONWebKeySet).keys.length) {
    return ['must be { "keys": [ ...public JWKs ] } with at least one key'];
  }
  const problems: string[] = [];
  const kids = new Set<string>();
  (jwks as JSONWebKeySet).keys.forEach((key: JWK, i) => {
    const at = `key ${i}${typeof key?.kid === 'string' ? ` (kid ${key.kid})` : ''}`;
    if (!key || typeof key !== 'object') {
      problems.push(`${at} must be a JWK object`);
      return;
    }
    if (typeof key.kid !== 'string' || !key.kid) problems.push(`${at} needs a kid: assertions name their key by kid`);
    else if (kids.has(key.kid)) problems.push(`${at}: kid ${key.kid} is used twice`);
    else kids.add(key.kid);
    const priv = PRIVATE_MEMBERS.filter((m) => m in key);
    if (priv.length) problems.push(`${at} holds private key material (${priv.join(', ')}): register the public key only`);
    const alg = KEY_ALGORITHMS[key.kty ?? ''];
    if (!alg) problems.push(`${at}: kty must be RSA (RS384) or EC (ES384), not ${key.kty}`);
    if (key.alg !== undefined && key.alg !== alg) problems.push(`${at}: alg ${key.alg} is not accepted; use ${alg ?? 'RS384 or ES384'}`);
    if (key.use !== undefined && key.use !== 'sig') problems.push(`${at}: use must be "sig"`);
    if (key.kty === 'RSA') {
      if (typeof key.n !== 'string' || typeof key.e !== 'string') problems.push(`${at}: an RSA key needs n and e`);
      else if (Math.floor((key.n.length * 3) / 4) < 256) problems.push(`${at}: RSA keys must be 2048 bits or more`);
    }
    if (key.kty === 'EC' && (key.crv !== 'P-384' || typeof key.x !== 'string' || typeof key.y !== 'string')) {
      problems.push(`${at}: an EC key must be on P-384 (ES384) with x and y`);
    }
  });
  return problems;
}
