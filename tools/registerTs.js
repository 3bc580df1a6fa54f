/**
 * Lets a plain Node script require the project's TypeScript sources without a build: a minimal
 * `.ts` loader that transpiles (no type-check) with the project's own `typescript` package, for the
 * conformance runners in tools/conformance/ (ts-node is not installed, and Node 24's own type
 * stripping cannot load these sources: their imports name no `.ts` extension and some use
 * parameter properties). `npm run typecheck` checks types (CI runs it).
 */
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

if (!require.extensions['.ts']) {
  require.extensions['.ts'] = (module, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        resolveJsonModule: true,
        inlineSourceMap: true,
      },
    });
    module._compile(outputText, filename);
  };
}
