import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * src/import/ turns file formats into domain records: the CLD reader may import the domain, the
 * rest of src/import/ and libraries, nothing above them (the store, the services).
 */
describe('the CLD reader stays in its layer', () => {
  it('imports only src/domain, src/import and libraries', () => {
    const folder = resolve(__dirname, '../../src/import/cld');
    const src = resolve(__dirname, '../../src');
    const outside: string[] = [];
    for (const name of readdirSync(folder).filter((n) => n.endsWith('.ts'))) {
      const text = readFileSync(join(folder, name), 'utf8');
      for (const [, target] of text.matchAll(/from '(\.[^']+)'/g)) {
        const top = relative(src, resolve(dirname(join(folder, name)), target)).split('/')[0];
        if (top !== 'domain' && top !== 'import') outside.push(`${name} -> ${target}`);
      }
    }
    expect(readdirSync(folder).length).toBeGreaterThan(5);
    expect(outside).toEqual([]);
  });
});
