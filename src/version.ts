// The package version, read once (package.json sits one level above both src/ and dist/).
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const version: string = require('../package.json').version;
