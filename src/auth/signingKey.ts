import fs from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, CryptoKey, exportJWK, generateKeyPair, importJWK, JSONWebKeySet, JWK } from 'jose';
import { ConfigError } from '../config';

export type SigningAlgorithm = 'ES384' | 'RS384';

/** The facade's own key for the access tokens it issues, and the public keys they verify with. */
export interface SigningKey {
  alg: SigningAlgorithm;
  kid: string;
  privateKey: CryptoKey;
  /** Published at the facade's JWKS URL: the signing key's public half, and any older keys kept for rotation. */
  jwks: JSONWebKeySet;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

/**
 * Loads the signing key from a file holding a private JWK, or a JWKS whose first key signs and
 * whose other keys are still published (so tokens signed before a rotation verify until they
 * expire). With `create`, a missing file is generated (ES384), written with mode 0600.
 */
export async function loadSigningKey(
  opts: { file: string; create: boolean },
  warn: (message: string) => void = () => undefined,
): Promise<SigningKey> {
  let text: string;
  try {
    text = await fs.readFile(opts.file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError(`cannot read the token signing key ${opts.file}: ${(err as Error).message}`);
    }
    if (!opts.create) throw new ConfigError(`TOKEN_SIGNING_KEY_FILE ${opts.file} does not exist`);
    return createKeyFile(opts.file, warn);
  }
  const stat = await fs.stat(opts.file);
  if (process.platform !== 'win32' && stat.mode & 0o077) {
    warn(`the token signing key ${opts.file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it`);
  }
  let json: JWK | JSONWebKeySet;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`the token signing key ${opts.file} is not JSON: ${(err as Error).message}`);
  }
  const keys = 'keys' in json && Array.isArray(json.keys) ? json.keys : [json as JWK];
  try {
    return await fromJwks(keys);
  } catch (err) {
    throw new ConfigError(`the token signing key ${opts.file}: ${(err as Error).message}`);
  }
}

/** Writes a new key unless another process got there first (then uses theirs). */
async function createKeyFile(file: string, warn: (message: string) => void): Promise<SigningKey> {
  const jwk = await generatePrivateJwk();
  await fs.mkdir(path.dirname(file), { recursive: true });
  try {
    await fs.writeFile(file, JSON.stringify(jwk, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadSigningKey({ file, create: false }, warn);
    throw new ConfigError(`cannot write the token signing key ${file}: ${(err as Error).message}`);
  }
  return fromJwks([jwk]);
}

/** A new ES384 private key as a JWK, named by its thumbprint. */
export async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES384', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: 'ES384', use: 'sig' };
}

let ephemeral: Promise<SigningKey> | undefined;

/**
 * A key that lives as long as this process, for apps built without a key file (tests). One per
 * process, so several app instances in one test accept each other's tokens as instances sharing a
 * key file would.
 */
export function ephemeralSigningKey(): Promise<SigningKey> {
  ephemeral ??= generatePrivateJwk().then((jwk) => fromJwks([jwk]));
  return ephemeral;
}

export function publicJwk(jwk: JWK): JWK {
  const pub: Record<string, unknown> = { ...jwk };
  for (const m of PRIVATE_MEMBERS) delete pub[m];
  delete pub.key_ops;
  delete pub.ext;
  return pub as JWK;
}

async function fromJwks(keys: JWK[]): Promise<SigningKey> {
  if (keys.length === 0) throw new Error('holds no key');
  const published: JWK[] = [];
  let signing: { alg: SigningAlgorithm; kid: string; privateKey: CryptoKey } | undefined;
  for (const [i, key] of keys.entries()) {
    const alg = algorithmOf(key);
    const kid = key.kid ?? (await calculateJwkThumbprint(publicJwk(key)));
    if (i === 0) {
      if (!key.d) throw new Error('the first key must be a private key (it signs the tokens)');
      const imported = await importJWK({ ...key, alg }, alg);
      if (!('type' in imported) || imported.type !== 'private') throw new Error('the first key is not a private key');
      signing = { alg, kid, privateKey: imported };
    }
    published.push({ ...publicJwk(key), kid, alg, use: 'sig' });
  }
  return { ...signing!, jwks: { keys: published } };
}

function algorithmOf(key: JWK): SigningAlgorithm {
  if (key.alg === 'ES384' || key.alg === 'RS384') return key.alg as SigningAlgorithm;
  if (key.alg !== undefined) throw new Error(`alg ${key.alg} is not supported: use ES384 or RS384`);
  if (key.kty === 'EC' && key.crv === 'P-384') return 'ES384';
  if (key.kty === 'RSA') return 'RS384';
  throw new Error(`a ${key.kty} key${key.crv ? ` on ${key.crv}` : ''} cannot sign ES384 or RS384 tokens`);
}
