import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadClients } from '../auth/clients';
import { loadConfig, PROJECT_ROOT } from '../config';
import { clientToken, defaultBase } from './clientToken';
import { RUNNING_FACADE_FILE } from './runningFacade';

const USAGE = `Gets an access token from a running facade, for curl (SMART backend services).

  npm run -s token -- [--scope "system/Patient.rs system/CarePlan.rs"] [--client sandbox-epr-rx1]
                      [--key fixtures/sandbox/keys/<client>.private.jwk.json] [--base http://localhost:8080] [--json]

  --scope   the scopes to ask for (default: everything the client is registered for)
  --client  the client_id (default sandbox-epr-rx1; also sandbox-council-mosaic, sandbox-portal)
  --key     the client's private JWK (default: the sandbox key of that client; SANDBOX ONLY)
  --base    the facade's public base URL (default PUBLIC_BASE_URL, else http://localhost:PORT when PORT
            is set, else the facade running from DATA_DIR (it leaves its URL in ${RUNNING_FACADE_FILE} there),
            else http://localhost:8080)
  --json    print the whole token response instead of the access token alone

  TOKEN=$(npm run -s token -- --scope "system/Patient.rs system/CarePlan.rs")
  curl -H "Authorization: Bearer $TOKEN" "http://localhost:8080/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018"`;

async function main() {
  const { values } = parseArgs({
    options: {
      scope: { type: 'string' },
      client: { type: 'string', default: 'sandbox-epr-rx1' },
      key: { type: 'string' },
      base: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  const clientId = values.client!;
  const base = (values.base ?? defaultBase(config.fhirBaseUrl)).replace(/\/+$/, '');
  const keyFile = path.resolve(values.key ?? path.join(PROJECT_ROOT, 'fixtures', 'sandbox', 'keys', `${clientId}.private.jwk.json`));
  let scope = values.scope;
  if (!scope) {
    const client = loadClients(config.auth.clientsFile).get(clientId);
    if (!client) throw new Error(`${clientId} is not in ${config.auth.clientsFile}: give --scope, or a registered --client`);
    scope = client.scope;
  }
  const privateJwk = JSON.parse(fs.readFileSync(keyFile, 'utf8'));

  const body = await clientToken({ base, clientId, privateJwk, scope });
  console.log(values.json ? JSON.stringify(body, null, 2) : body.access_token);
}

main().catch((err) => {
  console.error(`token: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
