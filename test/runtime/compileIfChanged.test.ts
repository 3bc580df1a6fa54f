import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './processes';

/**
 * The compile step of `npm start`, `npm run token` and the other commands, run on a small project
 * of its own (the real tool, tsconfig files and TypeScript, a few sources): it compiles what changed,
 * nothing when nothing did, and stops on a syntax error.
 */
describe('tools/compileIfChanged.js', () => {
  let dir: string;
  const compile = () => {
    const r = spawnSync(process.execPath, [path.join(dir, 'tools', 'compileIfChanged.js')], { cwd: dir, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const mtime = (rel: string) => fs.statSync(path.join(dir, rel)).mtimeMs;
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-compile-'));
    fs.mkdirSync(path.join(dir, 'tools'));
    fs.copyFileSync(path.join(ROOT, 'tools', 'compileIfChanged.js'), path.join(dir, 'tools', 'compileIfChanged.js'));
    for (const f of ['tsconfig.json', 'tsconfig.build.json']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    write('src/greeting.ts', "export const greeting = (name: string): string => `hello ${name}`;\n");
    write('src/main.ts', "import { greeting } from './greeting';\nconsole.log(greeting('Barbara'));\n");
    write('src/store/worker.js', "'use strict';\nmodule.exports = 42;\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('compiles every file into dist/ the first time, as runnable CommonJS with source maps', () => {
    const first = compile();
    expect(first).toMatchObject({ code: 0, stdout: '' });
    expect(first.stderr).toMatch(/^compiled 3 file\(s\) into dist\//);
    const run = spawnSync(process.execPath, [path.join(dir, 'dist', 'main.js')], { encoding: 'utf8' });
    expect(run.stdout).toBe('hello Barbara\n');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'dist', 'main.js.map'), 'utf8')).sources).toEqual(['../src/main.ts']);
    expect(fs.readFileSync(path.join(dir, 'dist', 'store', 'worker.js'), 'utf8')).toContain('module.exports = 42');
  });

  it('does nothing, silently, when nothing changed', () => {
    const before = mtime('dist/main.js');
    expect(compile()).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(mtime('dist/main.js')).toBe(before);
  });

  it('compiles only the file that changed, and removes the output of a removed source', () => {
    const main = mtime('dist/main.js');
    write('src/greeting.ts', "export const greeting = (name: string): string => `good morning ${name}`;\n");
    write('src/old.ts', 'export const old = 1;\n');
    expect(compile().stderr).toMatch(/^compiled 2 file\(s\) into dist\//);
    expect(mtime('dist/main.js')).toBe(main);
    expect(spawnSync(process.execPath, [path.join(dir, 'dist', 'main.js')], { encoding: 'utf8' }).stdout).toBe('good morning Barbara\n');

    fs.rmSync(path.join(dir, 'src', 'old.ts'));
    expect(compile().stderr).toMatch(/^compiled 0 file\(s\), removed 1 into dist\//);
    expect(fs.existsSync(path.join(dir, 'dist', 'old.js'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'dist', 'old.js.map'))).toBe(false);
  });

  it('compiles a deleted output again', () => {
    fs.rmSync(path.join(dir, 'dist', 'greeting.js'));
    expect(compile().stderr).toMatch(/^compiled 1 file\(s\)/);
    expect(fs.existsSync(path.join(dir, 'dist', 'greeting.js'))).toBe(true);
  });

  it('takes what tsc built after the last change as it is, without a record of its own', () => {
    fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo'], { cwd: dir, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    const built = mtime('dist/main.js');
    expect(compile()).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(mtime('dist/main.js')).toBe(built);
    // A change after tsc's build is compiled, and tsc's record removed, so that its next build is complete.
    write('src/greeting.ts', "export const greeting = (name: string): string => `good evening ${name}`;\n");
    expect(compile().stderr).toMatch(/^compiled 1 file\(s\)/);
    expect(fs.existsSync(path.join(dir, 'dist', '.tsbuildinfo'))).toBe(false);
  });

  it('stops on a syntax error, naming the file and line, and compiles it once it is fixed', () => {
    write('src/greeting.ts', 'export const greeting = (name: string): string => {\n');
    const broken = compile();
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/src\/greeting\.ts\(2,1\): error TS1005: '}' expected\./);
    expect(broken.stderr).toContain('Cannot compile: fix the errors above');
    expect(broken.stderr).not.toMatch(/\n\s+at /);
    // Not recorded as compiled: the next run tries again.
    expect(compile().code).toBe(1);
    write('src/greeting.ts', "export const greeting = (name: string): string => `hi ${name}`;\n");
    expect(compile()).toMatchObject({ code: 0 });
    expect(spawnSync(process.execPath, [path.join(dir, 'dist', 'main.js')], { encoding: 'utf8' }).stdout).toBe('hi Barbara\n');
  });
});
