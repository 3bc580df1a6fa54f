/**
 * docs/conformance.md is generated (npm run docs:conformance): it must be exactly what the
 * generator writes from today's registry, profiles and sandbox output.
 */
import { generateDocs } from '../../../tools/conformance/docs';
import { RESOURCE_DEFINITIONS } from '../../../src/fhir/registry';

describe('docs/conformance.md', () => {
  let result: Awaited<ReturnType<typeof generateDocs>>;
  beforeAll(async () => {
    result = await generateDocs({ write: false });
  }, 60000);

  it('is up to date (else run: npm run docs:conformance)', () => {
    expect(result.upToDate).toBe(true);
  });

  it('documents every resource type with its profile, search parameters and a real example', () => {
    for (const def of RESOURCE_DEFINITIONS) {
      const section = result.expected.split(`\n## ${def.type}\n`)[1]?.split('\n## ')[0] ?? '';
      expect({ type: def.type, documented: section.includes(def.documentation) }).toEqual({ type: def.type, documented: true });
      expect(section).toContain(`Profile: \`${def.profile}\``);
      expect(section).not.toContain('NOT PUBLISHED');
      for (const name of Object.keys(def.searchParams)) expect(section).toContain(`| \`${name}\` |`);
      // A real example wherever the sandbox has one. Audit events are written at the HTTP edge, which
      // the examples (made through the FhirRouter) do not pass through: the docs say so instead.
      if (def.type === 'AuditEvent') expect(section).toMatch(/"resourceType": "AuditEvent"|\(none in the sandbox\)/);
      else expect(section).toContain(`"resourceType": "${def.type}"`);
    }
  });
});
