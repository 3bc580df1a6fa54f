#!/usr/bin/env node
/**
 * Writes our CodeSystems and ValueSets (profiles/terminology/*.json) from the domain constants
 * (tools/conformance/terminology.ts).
 *
 *   node tools/conformance/runTerminology.js          # regenerate and write
 *   node tools/conformance/runTerminology.js --check  # write nothing; exit 1 if any file is stale
 */
'use strict';
const path = require('node:path');
require('../registerTs');
const { generateTerminology } = require('./terminology.ts');

const check = process.argv.includes('--check');
const results = generateTerminology(path.join(__dirname, '..', '..', 'profiles'), { write: !check });
for (const result of results) {
  const state = result.upToDate ? 'up to date' : check ? 'STALE' : result.expected ? 'written' : 'removed';
  console.log(`${state.padEnd(10)} profiles/${result.file}`);
}
const stale = results.filter((r) => !r.upToDate);
if (check && stale.length > 0) {
  console.error(`${stale.length} terminology file(s) stale: run npm run conformance:terminology`);
  process.exitCode = 1;
}
