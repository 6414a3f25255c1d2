// sandbox-runtime's manager runs in a worker thread (sandboxRuntimeHost.ts): its wraps' synchronous child
// processes (`which` for bubblewrap and the shell, probes) no longer hold the main thread's event loop, and what
// it leaves on the host for a command is still removed when the process exits without shutting it down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireOsSandbox } from '../support/requirements.ts';

test('wraps start no synchronous process on the main thread; what bubblewrap left goes at exit', async (t) => {
  const why = await requireOsSandbox();
  if (why) return t.skip(why);
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'agentos-host-')));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ghost = join(dir, 'missing', 'ghost.txt');
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'fixtures', 'wrapAndExit.ts'), dir, ghost],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout.trim().split('\n').at(-1) as string), { spawnSyncs: 0 });
  assert.equal(existsSync(ghost), false, 'the mount point bubblewrap made for the denied path is removed at exit');
  assert.equal(existsSync(join(dir, 'missing')), false);
});
