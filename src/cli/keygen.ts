import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { publicJwk } from '../auth/signingKey';

const USAGE = `Makes a key pair for a client to register (or for the facade's TOKEN_SIGNING_KEY_FILE).

  npm run -s keygen -- --out my-client.private.jwk.json [--alg ES384|RS384] [--kid my-client-2026]

Writes the private JWK to --out (mode 0600; keep it with the client, never in the clients file)
and prints the public JWKS to paste into the client's "jwks" in CLIENTS_FILE (or to publish at its jwks_uri).`;

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      alg: { type: 'string', default: 'ES384' },
      kid: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || !values.out) {
    console.log(USAGE);
    if (!values.help) process.exitCode = 1;
    return;
  }
  const alg = values.alg!;
  if (alg !== 'ES384' && alg !== 'RS384') throw new Error('--alg must be ES384 or RS384');
  const { privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 3072 });
  const jwk = await exportJWK(privateKey);
  const kid = values.kid ?? (await calculateJwkThumbprint(jwk));
  const full = { ...jwk, kid, alg, use: 'sig' };
  fs.writeFileSync(values.out, JSON.stringify(full, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  console.log(JSON.stringify({ keys: [publicJwk(full)] }, null, 2));
}

main().catch((err) => {
  console.error(`keygen: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
