// The CLI on the machine's own Node (outside npm scripts, where the bundled Node 24 is not first on PATH),
// and on PATH the way `npm link` / `npm install -g .` put it there: a symlink to dist/cli.js, run from a
// folder outside the clone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI } from '../support/cliProcess.ts';

const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';
const system = spawnSync('/usr/bin/env', ['-i', `PATH=${SYSTEM_PATH}`, 'node', '--version'], { encoding: 'utf8' });
const major = Number(/^v(\d+)/.exec(system.stdout ?? '')?.[1] ?? 0);
const noSystemNode = major ? false : `node: no Node on ${SYSTEM_PATH} to run the CLI with`;

function outside<T>(use: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'agent-os-outside-'));
  try {
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test(
  `the machine's Node (${system.stdout?.trim() || 'none'}) runs the CLI, or on one older than 20 it says what to do in one line`,
  { skip: noSystemNode },
  () => {
    outside((dir) => {
      const r = spawnSync(
        '/usr/bin/env',
        ['-i', `PATH=${SYSTEM_PATH}`, 'node', CLI, 'sessions', 'list', '--store', join(dir, 'store')],
        { encoding: 'utf8', cwd: dir },
      );
      if (major >= 20) {
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^no sessions in /);
      } else {
        assert.equal(r.status, 1);
        assert.match(r.stderr, /^agent-os: needs Node\.js 20 or newer; this is v\d+.*npm run cli/);
        assert.equal(r.stderr.trim().split('\n').length, 1);
      }
    });
  },
);

test(
  'agent-os on PATH as npm link puts it there runs from outside the clone, on the Node of that PATH',
  { skip: noSystemNode },
  () => {
    outside((dir) => {
      const bin = join(dir, 'bin');
      spawnSync('mkdir', [bin]);
      symlinkSync(CLI, join(bin, 'agent-os'));
      const env = { PATH: `${bin}:${SYSTEM_PATH}`, HOME: dir };
      const help = spawnSync('agent-os', ['--help'], { encoding: 'utf8', cwd: dir, env });
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /^Usage: agent-os <command>/);
      // Outside any repository the default store cannot be found: a clear error, not a stack trace.
      const list = spawnSync('agent-os', ['sessions', 'list'], { encoding: 'utf8', cwd: dir, env });
      assert.equal(list.status, 1);
      assert.equal(
        list.stderr,
        'agent-os: not inside a git repository, so there is no default session store: pass --store <dir>\n',
      );
    });
  },
);
