/**
 * Reading the conformance resources committed under profiles/. Kept apart from the snapshot
 * generator (tools/conformance/generateAll.ts), which needs dev-only packages: the running server
 * reads these files too (to serve them and to validate), and must not load fhir-snapshot-generator
 * to do so.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';

/** profiles/ in the project, from src/conformance/ (ts-jest, tools/) or dist/conformance/ (built). */
export const PROFILES_DIR = resolve(__dirname, '..', '..', 'profiles');

/** Sub-folders of profiles/ that hold conformance resources, besides profiles/ itself. */
export const UKCORE_SUBDIR = 'ukcore';
export const TERMINOLOGY_SUBDIR = 'terminology';

export interface ProfileFile {
  /** Path relative to the profiles folder, e.g. `ukcore/UKCore-Patient.json`. */
  file: string;
  absolutePath: string;
  resource: Resource;
}

/** Reads the FHIR JSON resources directly in `dir` (not recursive), sorted by file name. */
export function readProfileFiles(profilesDir: string, subDir = ''): ProfileFile[] {
  const dir = join(profilesDir, subDir);
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const absolutePath = join(dir, name);
      const resource = JSON.parse(readFileSync(absolutePath, 'utf8')) as Resource;
      if (!resource.resourceType) {
        throw new Error(`${absolutePath} is not a FHIR resource`);
      }
      return { file: relative(profilesDir, absolutePath), absolutePath, resource };
    });
}

/** Every conformance resource the project holds: ours (profiles/*.json, profiles/terminology/) and UK Core's. */
export function readAllConformanceFiles(profilesDir: string = PROFILES_DIR): ProfileFile[] {
  return [
    ...readProfileFiles(profilesDir),
    ...readProfileFiles(profilesDir, TERMINOLOGY_SUBDIR),
    ...readProfileFiles(profilesDir, UKCORE_SUBDIR),
  ];
}

/** The one JSON layout we commit: 2-space indentation and a trailing newline. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
