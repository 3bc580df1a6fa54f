import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * The layers of the source tree, lowest first. A file may import its own layer or any below it;
 * an import that runs up (the store reaching into FHIR, say) makes the lower layer depend on the
 * higher one, and every later change has to know both. Files import each other in no circle.
 */
const LAYERS: string[][] = [
  ['domain'],
  ['access', 'config.ts', 'logging.ts', 'version.ts', 'runtime.ts', 'conformance', 'import'],
  ['store'],
  ['services', 'audit', 'synthetic'],
  ['fhir'],
  ['auth'],
  ['http'],
  ['app.ts', 'cli'],
  ['main.ts'],
];

const SRC = resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function layerOf(file: string): number {
  const top = relative(SRC, file).split('/')[0];
  const layer = LAYERS.findIndex((names) => names.includes(top));
  if (layer < 0) throw new Error(`${relative(SRC, file)} belongs to no layer: add its folder to LAYERS`);
  return layer;
}

/** The paths a file imports relatively (type-only imports included: they tie the layers just the same). */
function relativeImportsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('.')).map((name) => resolve(dirname(file), name));
}

/** The source files a file imports. */
function importsOf(file: string, known: Set<string>): string[] {
  return relativeImportsOf(file).flatMap((base) =>
    [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts')].filter((c) => known.has(c)).slice(0, 1),
  );
}

const files = sourceFiles(SRC);
const known = new Set(files);
const graph = new Map(files.map((f) => [f, importsOf(f, known)]));
const name = (f: string) => relative(SRC, f);

describe('the source tree keeps its layers', () => {
  it('reads the imports it checks (a parser that found none would pass anything)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(graph.get(join(SRC, 'main.ts'))).toContain(join(SRC, 'app.ts'));
  });

  it('has no import from a lower layer to a higher one', () => {
    const upward: string[] = [];
    for (const [from, tos] of graph) {
      for (const to of tos) if (layerOf(to) > layerOf(from)) upward.push(`${name(from)} -> ${name(to)}`);
    }
    expect(upward).toEqual([]);
  });

  it('imports nothing from outside src/ but package.json (the build tools in tools/ stay out of the server)', () => {
    const outside = files.flatMap((f) =>
      relativeImportsOf(f)
        .filter((target) => !target.startsWith(SRC + sep) && basename(target) !== 'package.json')
        .map((target) => `${name(f)} -> ${relative(SRC, target)}`),
    );
    expect(outside).toEqual([]);
  });

  it('has no files that import each other, directly or round a circle', () => {
    const circles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const path: string[] = [];
    const visit = (f: string) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        circles.push([...path.slice(path.indexOf(f)), f].map(name).join(' -> '));
        return;
      }
      state.set(f, 'visiting');
      path.push(f);
      for (const to of graph.get(f) ?? []) visit(to);
      path.pop();
      state.set(f, 'done');
    };
    for (const f of files) visit(f);
    expect(circles).toEqual([]);
  });
});
