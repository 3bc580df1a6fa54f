/**
 * Regenerates the snapshot of every constraint StructureDefinition under profiles/:
 * UK Core's (profiles/ukcore/*.json) first, then the project's own (profiles/*.json), which may
 * derive from UK Core or from R4 base. Used by tools/conformance/runSnapshots.js (write mode) and by
 * test/tools/conformance/snapshots.test.ts (check mode: nothing written).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { LocalPackage, R4_CORE_PACKAGE } from './packageCache';
import { formatJson, readProfileFiles } from '../../src/conformance/profileFiles';
import { createSnapshotGenerator } from './snapshot';

/** Local package names; they only exist inside the temporary package cache. */
export const UKCORE_PACKAGE = { name: 'local.ukcore', version: '1.0.0' } as const;
export const PROJECT_PACKAGE = { name: 'local.project-profiles', version: '1.0.0' } as const;

export { formatJson, readProfileFiles } from '../../src/conformance/profileFiles';
export type { ProfileFile } from '../../src/conformance/profileFiles';

export interface SnapshotResult {
  file: string;
  /** The file's text as it should be committed. */
  expected: string;
  /** Whether the file on disk already holds exactly `expected`. */
  upToDate: boolean;
}

/** Only constrained profiles get generated snapshots; specialisations (none of ours) would not. */
function needsSnapshot(resource: Resource): resource is StructureDefinition {
  return resource.resourceType === 'StructureDefinition' && resource.derivation === 'constraint';
}

/**
 * Generates every snapshot and compares it with the file on disk. With `write: true` (the default)
 * files that differ are rewritten; with `write: false` nothing is touched.
 */
export async function generateAll(profilesDir: string, options: { write?: boolean } = {}): Promise<SnapshotResult[]> {
  const write = options.write ?? true;
  const ukCoreFiles = readProfileFiles(profilesDir, 'ukcore');
  const projectFiles = readProfileFiles(profilesDir);

  const packages: LocalPackage[] = [
    {
      ...UKCORE_PACKAGE,
      dependencies: { [R4_CORE_PACKAGE.name]: R4_CORE_PACKAGE.version },
      resources: ukCoreFiles.map((f) => f.resource),
    },
    {
      ...PROJECT_PACKAGE,
      dependencies: { [R4_CORE_PACKAGE.name]: R4_CORE_PACKAGE.version, [UKCORE_PACKAGE.name]: UKCORE_PACKAGE.version },
      resources: projectFiles.map((f) => f.resource),
    },
  ];

  const generator = await createSnapshotGenerator(packages);
  try {
    const results: SnapshotResult[] = [];
    for (const profileFile of [...ukCoreFiles, ...projectFiles]) {
      if (!needsSnapshot(profileFile.resource)) {
        continue;
      }
      const generated = await generator.generate(profileFile.resource);
      const expected = formatJson(generated);
      const upToDate = readFileSync(profileFile.absolutePath, 'utf8') === expected;
      if (write && !upToDate) {
        writeFileSync(profileFile.absolutePath, expected);
      }
      results.push({ file: profileFile.file, expected, upToDate });
    }
    if (generator.warnings.length > 0) {
      throw new Error(`Snapshot generator warnings:\n${generator.warnings.join('\n')}`);
    }
    return results;
  } finally {
    generator.dispose();
  }
}
