// One purpose per file, held by a number: no source file over 400 lines, and the two files a newcomer reads
// first — the harness's driver and the runtime — under 300. A file that grows past its bound is split by
// purpose (see CONTRIBUTING.md), not trimmed of comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const repo = resolve(__dirname, '../..');
const SMALL = new Map([
  ['src/core/harness/harness.ts', 300],
  ['src/node/runtime/agentOsRuntime.ts', 300],
]);
const MAX_LINES = 400;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'fixtures') sources(full, out);
    } else if (/\.(ts|mts)$/.test(name)) out.push(full);
  }
  return out;
}

test('no source file is over 400 lines; harness.ts and agentOsRuntime.ts are under 300', () => {
  const over = sources(join(repo, 'src')).flatMap((file) => {
    const path = relative(repo, file);
    const lines = readFileSync(file, 'utf8').split('\n').length - 1;
    const under = SMALL.get(path);
    const tooLong = under !== undefined ? lines >= under : lines > MAX_LINES;
    return tooLong
      ? [`${path}: ${lines} lines (${under !== undefined ? `under ${under}` : `at most ${MAX_LINES}`})`]
      : [];
  });
  assert.deepEqual(over, []);
  for (const path of SMALL.keys()) assert.ok(statSync(join(repo, path)).isFile(), `${path} exists`);
});
