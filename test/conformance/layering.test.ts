import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/**
 * The run-time validator stays below the layers that use it, and the build tools stay out of the
 * server: src/conformance imports nothing from fhir/, http/, auth/ or store/, and nothing in src/
 * imports tools/ (npm run build compiles src/ alone).
 */
const ROOT = resolve(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every relative import or require of a file, resolved to a path under the project root. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)'(\.{1,2}\/[^']*)'/g)].map((m) => m[1]);
  return specifiers.map((s) => relative(ROOT, resolve(file, '..', s)).split(sep).join('/'));
}

describe('layering of conformance code', () => {
  it('src/conformance imports nothing above it', () => {
    const upward = sourceFiles(join(SRC, 'conformance')).flatMap((file) =>
      importsOf(file)
        .filter((target) => /^src\/(fhir|http|auth|store|audit|services|events)(\/|$)|^src\/app$/.test(target))
        .map((target) => `${relative(ROOT, file)} -> ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it('nothing in src/ imports tools/', () => {
    const intoTools = sourceFiles(SRC).flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('tools/'))
        .map((target) => `${relative(ROOT, file)} -> ${target}`),
    );
    expect(intoTools).toEqual([]);
  });
});
