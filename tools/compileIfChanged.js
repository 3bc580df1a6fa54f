/**
 * The compile step of `npm start`, `npm run token`, `reset`, `keygen` and `generate`: brings dist/ up
 * to date with src/ and does nothing when it already is, so a command run again starts at once.
 *
 * What changed is known from each source file's size and modification time, kept in
 * dist/.compiled.json: a stat of every file, a few milliseconds, where `tsc --incremental` takes
 * seconds to find there is nothing to do (it loads and checks the whole program first). A file is
 * compiled on its own, with TypeScript's transpileModule and the options of tsconfig.build.json (the
 * sources are written for it: tsconfig.test.json's isolatedModules makes ts-jest refuse what it
 * could not compile), so a fresh clone's first `npm start` compiles in a few seconds, not the 10 to
 * 20 of a type-checked build. Types are checked by `npm run typecheck` and `npm run build` (CI and
 * the Docker image build with tsc); only syntax errors stop this step.
 *
 *   node tools/compileIfChanged.js        quiet when nothing changed; says on stderr what it compiled
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const CONFIG = path.join(ROOT, 'tsconfig.build.json');
const STAMP_VERSION = 1;

/** "size:mtime" of a file, or undefined if it is gone. */
function fingerprint(file) {
  try {
    const s = fs.statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** Every file tsconfig.build.json compiles (its `include`, `.ts` and, with allowJs, `.js`), without loading TypeScript. */
function sourceFiles(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function readStamp(file) {
  try {
    const stamp = JSON.parse(fs.readFileSync(file, 'utf8'));
    return stamp.version === STAMP_VERSION ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/** Writes through a temporary file, so that a command started meanwhile never reads half a file. */
function writeAtomically(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function main() {
  const started = Date.now();
  const srcDir = path.join(ROOT, 'src');
  const outDir = path.join(ROOT, 'dist');
  const stampFile = path.join(outDir, '.compiled.json');
  // The settings that shape the output: a change to any of them compiles everything again.
  const settings = ['tsconfig.json', 'tsconfig.build.json', 'node_modules/typescript/package.json'].map((f) => `${f}=${fingerprint(path.join(ROOT, f))}`).join(' ');
  const files = Object.fromEntries(sourceFiles(srcDir).map((f) => [path.relative(ROOT, f), fingerprint(f)]));
  const stamp = readStamp(stampFile);
  const previous = stamp && stamp.settings === settings ? stamp.files : builtByTsc(outDir, files);
  const changed = Object.keys(files).filter((f) => previous[f] !== files[f] || !fs.existsSync(outputOf(f, srcDir, outDir)));
  const removed = Object.keys(previous).filter((f) => !(f in files));
  if (changed.length === 0 && removed.length === 0) return;

  const ts = require('typescript');
  const parsed = ts.getParsedCommandLineOfConfigFile(CONFIG, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail([d], ts) });
  if (parsed.errors.length) fail(parsed.errors, ts);
  const problems = [];
  for (const rel of changed) {
    const source = path.join(ROOT, rel);
    const out = outputOf(rel, srcDir, outDir);
    const result = ts.transpileModule(fs.readFileSync(source, 'utf8'), {
      fileName: source,
      compilerOptions: parsed.options,
      reportDiagnostics: true,
    });
    if (result.diagnostics && result.diagnostics.length) {
      problems.push(...result.diagnostics);
      continue;
    }
    let text = result.outputText;
    if (result.sourceMapText) {
      // As tsc writes it: the map names the source relative to the output.
      const map = JSON.parse(result.sourceMapText);
      map.file = path.basename(out);
      map.sources = [path.relative(path.dirname(out), source).split(path.sep).join('/')];
      writeAtomically(`${out}.map`, JSON.stringify(map));
      text = text.replace(/\/\/# sourceMappingURL=.*$/, `//# sourceMappingURL=${path.basename(out)}.map`);
    }
    writeAtomically(out, text);
  }
  for (const rel of removed) {
    const out = outputOf(rel, srcDir, outDir);
    fs.rmSync(out, { force: true });
    fs.rmSync(`${out}.map`, { force: true });
  }
  if (problems.length) fail(problems, ts);
  // tsc --incremental trusts its own record of what it emitted: after this step has replaced some of
  // its output, `npm run build` must compile everything again rather than keep a file compiled here.
  fs.rmSync(path.join(outDir, '.tsbuildinfo'), { force: true });
  writeAtomically(stampFile, JSON.stringify({ version: STAMP_VERSION, settings, files }));
  const what = removed.length ? `${changed.length} file(s), removed ${removed.length}` : `${changed.length} file(s)`;
  console.error(`compiled ${what} into dist/ in ${Date.now() - started} ms (types are checked by npm run typecheck)`);
}

/**
 * Without a record of its own (a checkout built by `npm run build`, as CI and the Docker image do),
 * what tsc compiled after the last change to a file or a setting is taken as it is, rather than
 * compiled again.
 */
function builtByTsc(outDir, files) {
  let built;
  try {
    built = fs.statSync(path.join(outDir, '.tsbuildinfo')).mtimeMs;
  } catch {
    return {};
  }
  const settingsChanged = ['tsconfig.json', 'tsconfig.build.json'].some((f) => fs.statSync(path.join(ROOT, f)).mtimeMs > built);
  if (settingsChanged) return {};
  return Object.fromEntries(Object.entries(files).filter(([f, print]) => Number(print.split(':')[1]) < built));
}

function outputOf(rel, srcDir, outDir) {
  return path.join(outDir, path.relative(srcDir, path.join(ROOT, rel))).replace(/\.(ts|js)$/, '.js');
}

function fail(diagnostics, ts) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
  console.error(ts.formatDiagnostics(diagnostics, host).trim());
  console.error('Cannot compile: fix the errors above (dist/ is left as it was for the files that have them).');
  process.exit(1);
}

main();
