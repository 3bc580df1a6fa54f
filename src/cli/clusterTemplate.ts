import fs from 'node:fs';
import { embeddedTemplateDir } from '../config';
import { templateFile } from '../store/clusterTemplate';
import { openPgliteThread } from '../store/pgliteThread';

/**
 * Makes the embedded store's cluster template ahead of time, so that even the first start of a
 * fresh clone (or of the Docker image, whose node_modules the facade cannot write) skips initdb.
 * npm runs it after `npm install` and `npm ci` (the `prepare` script); the Dockerfile runs it while
 * building the image. It opens a store in memory as any start does, which saves the template when
 * none fits; one that is already there is left as it is.
 *
 *   node dist/cli/clusterTemplate.js     (EMBEDDED_TEMPLATE_DIR as for the facade)
 */
async function main() {
  const dir = embeddedTemplateDir(process.env);
  if (!dir) {
    console.error('EMBEDDED_TEMPLATE_DIR is off: no cluster template made');
    return;
  }
  const file = templateFile(dir);
  if (fs.existsSync(file)) return;
  const started = Date.now();
  const db = await openPgliteThread(undefined, undefined, undefined, false, dir);
  await db.close();
  if (db.cluster.problems.length) {
    // Not an error: every new store then runs initdb, as before templates.
    for (const problem of db.cluster.problems) console.error(`cluster template: ${problem}`);
    return;
  }
  console.error(`made the embedded store's cluster template ${file} in ${Date.now() - started} ms`);
}

main().catch((err) => {
  console.error(`cluster template: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
