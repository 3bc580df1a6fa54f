import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { loadFixtures, openStore } from '../store/openStore';
import { writeCouncilFiles } from '../synthetic/councilFiles';
import { REFERENCE_DATE } from '../synthetic/people';
import { DEFAULT_SEED, SyntheticPopulation } from '../synthetic/population';
import { loadSyntheticPopulation } from '../synthetic/load';
import { loadSandbox } from '../services/imports/sandbox';

const USAGE = `Loads a deterministic synthetic population into the configured store (DATA_DIR, or DATABASE_URL),
or writes it as a council's files, to import (npm run import) or to measure the import with.

  npm run generate -- --people N [--seed S] [--no-fixtures]
  npm run generate -- --people N [--seed S] --cld FILE [--cqc FILE] [--allocations FILE]

  --people       how many people (with their care packages, safeguarding concerns, providers and workers)
  --seed         the seed (default ${DEFAULT_SEED}): the same people, seed and code give the same population
  --no-fixtures  do not load the sandbox first (it is loaded once otherwise, as npm start does, unless SANDBOX_DATA=off)
  --cld FILE     write the population as a CLD return (Release 1 headers) instead of loading it, with CQC's
                 directory of its providers and its allocations extract beside it (default FILE-cqc.csv and
                 FILE-allocations.csv); about two rows a person. The LA Code is COUNCIL_LA_CODE's.

Stop the facade first when it uses the embedded store: only one process may open a data directory.
A store holds one synthetic population; loading the same one again does nothing.`;

async function main() {
  const { values } = parseArgs({
    options: {
      people: { type: 'string' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      'no-fixtures': { type: 'boolean', default: false },
      cld: { type: 'string' },
      cqc: { type: 'string' },
      allocations: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || values.people === undefined) {
    console.log(USAGE);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const people = Number(values.people.replace(/_/g, ''));
  const seed = Number(values.seed);
  const config = loadConfig();
  if (values.cld) {
    const base = values.cld.replace(/\.csv$/i, '');
    const files = { cld: path.resolve(values.cld), cqc: path.resolve(values.cqc ?? `${base}-cqc.csv`), allocations: path.resolve(values.allocations ?? `${base}-allocations.csv`) };
    const started = Date.now();
    const written = await writeCouncilFiles(new SyntheticPopulation({ people, seed }), files, config.council.laCode);
    console.log(
      `Wrote ${written.people.toLocaleString('en-GB')} people in ${((Date.now() - started) / 1000).toFixed(1)} s:\n` +
        `  ${files.cld}: ${written.cldRows.toLocaleString('en-GB')} rows\n  ${files.cqc}: ${written.providers} providers\n` +
        `  ${files.allocations}: ${written.allocationRows.toLocaleString('en-GB')} rows\n` +
        `Import them with: npm run import -- cld ${files.cld} --direct --today ${REFERENCE_DATE} (then cqc, then allocations)`,
    );
    return;
  }
  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded store ${config.dataDir}`;
  const opened = Date.now();
  // A reset or a large load runs long statements on purpose: no statement timeout for them.
  const store = await openStore({ ...config, database: { ...config.database, statementTimeoutMs: 0 } });
  try {
    console.log(`Opened ${where} in ${Date.now() - opened} ms`);
    if (!values['no-fixtures'] && config.sandboxData && (await loadSandbox(store)).loaded) {
      console.log('Loaded the sandbox council (fixtures/sandbox/council/)');
    }
    if (!values['no-fixtures'] && config.fixturesFile && (await loadFixtures(store, config.fixturesFile))) {
      console.log(`Loaded the fixtures ${config.fixturesFile}`);
    }
    let last = 0;
    const result = await loadSyntheticPopulation(store, { people, seed }, (p) => {
      if (p.ms - last < 5_000 && p.people < people) return;
      last = p.ms;
      console.log(`  ${p.people.toLocaleString('en-GB')} people, ${p.rows.toLocaleString('en-GB')} rows, ${(p.ms / 1000).toFixed(1)} s`);
    });
    if (!result.loaded) {
      console.log(`${result.name} is already loaded: nothing to do`);
      return;
    }
    const s = result.ms / 1000;
    console.log(
      `Loaded ${result.name}: ${result.people.toLocaleString('en-GB')} people, ${result.rows.toLocaleString('en-GB')} rows in ${s.toFixed(1)} s ` +
        `(${Math.round(result.people / s).toLocaleString('en-GB')} people/s, ${Math.round(result.rows / s).toLocaleString('en-GB')} rows/s; ` +
        `RSS ${Math.round(process.memoryUsage().rss / 1048576)} MB)`,
    );
  } finally {
    const closing = Date.now();
    await store.close();
    if (Date.now() - closing > 1000) console.log(`Closed the store in ${Date.now() - closing} ms`);
  }
}

main().catch((err) => {
  console.error(`generate: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
