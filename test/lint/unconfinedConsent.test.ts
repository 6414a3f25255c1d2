// The consent rule of an unconfined sandbox has one way around it, for tests of harness mechanics on a
// machine where nothing confines: `trustUnconfinedCommands`. No entry point (the extension, the CLI, the
// language server) and nothing the testkit ships may set it; the runtime and harness only pass it on.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repo, sourceFiles } from './sourceFiles.ts';

/** Where the option is declared and handed down, and nowhere else under src/. */
const PASSES_IT_ON = new Set([
  'src/core/harness/harness.ts',
  'src/core/harness/harnessOptions.ts',
  'src/node/runtime/runtimeOptions.ts',
  'src/node/runtime/localRuntime.ts',
  'src/node/runtime/harnessAssembly.ts',
  'src/node/managed/platformSession.ts',
]);

test('only the runtime and the harness name trustUnconfinedCommands: no entry point sets it', () => {
  const naming = sourceFiles(join(repo, 'src'))
    .filter((f) => readFileSync(f, 'utf8').includes('trustUnconfinedCommands'))
    .map((f) => relative(repo, f));
  assert.deepEqual(
    naming.filter((f) => !PASSES_IT_ON.has(f)),
    [],
  );
  assert.ok(naming.length > 0, 'the option is still where this test expects it');
});
