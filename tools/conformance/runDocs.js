#!/usr/bin/env node
/**
 * Writes docs/conformance.md from the registry, the profiles in profiles/ and real examples from
 * the sandbox fixtures (tools/conformance/docs.ts).
 *
 *   node tools/conformance/runDocs.js          # regenerate and write
 *   node tools/conformance/runDocs.js --check  # write nothing; exit 1 if it is stale
 */
'use strict';
require('../registerTs');
const { generateDocs } = require('./docs.ts');

const check = process.argv.includes('--check');
generateDocs({ write: !check })
  .then((result) => {
    const state = result.upToDate ? 'up to date' : check ? 'STALE' : 'written';
    console.log(`${state.padEnd(10)} ${result.file}`);
    if (check && !result.upToDate) {
      console.error('docs/conformance.md is stale: run npm run docs:conformance');
      process.exitCode = 1;
    }
  })
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
