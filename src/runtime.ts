/**
 * The facade runs on Node 24 (package.json engines; npm installs it as a devDependency, and npm
 * scripts put it first on PATH). On an older Node, @medplum/core 5 fails while it loads, with a
 * page of minified code. main imports this first, before anything else loads, so that an older
 * Node gets one line that says what to do instead.
 */
const SUPPORTED_MAJOR = 24;

const major = Number(process.versions.node.split('.')[0]);
if (major < SUPPORTED_MAJOR) {
  console.error(
    `Cannot start: the facade needs Node ${SUPPORTED_MAJOR} or newer, and this is Node ${process.versions.node}. ` +
      `Start it with npm start (npm runs the project's own Node ${SUPPORTED_MAJOR}, installed by npm ci), or install Node ${SUPPORTED_MAJOR}.`,
  );
  process.exit(1);
}

export {};
