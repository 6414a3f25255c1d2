import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BashSession } from '../../src/node/tools/bashSession.ts';
import { processesWithArgument, waitUntilGone } from '../sandbox/processes.ts';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'agentos-bash-')));
after(() => rmSync(dir, { recursive: true, force: true }));

const plainBash = (): ChildProcessWithoutNullStreams =>
  spawn('/bin/bash', ['--noprofile', '--norc'], {
    cwd: dir,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
  });

describe('bash session', () => {
  it('keeps the working directory and exported variables between calls', async () => {
    const bash = new BashSession({ spawn: plainBash });
    try {
      assert.deepEqual(await bash.run({ command: 'mkdir -p sub && cd sub && export GREETING=hello' }), {
        content: '',
        is_error: false,
      });
      assert.deepEqual(await bash.run({ command: 'pwd; echo "$GREETING"' }), {
        content: `${join(dir, 'sub')}\nhello`,
        is_error: false,
      });
    } finally {
      await bash.dispose();
    }
  });

  it('reports a failing command with its output and exit code', async () => {
    const bash = new BashSession({ spawn: plainBash });
    try {
      const result = await bash.run({
        command: 'echo to-stdout; echo to-stderr >&2; exit_with() { return $1; }; exit_with 3',
      });
      assert.equal(result.is_error, true);
      assert.equal(result.content, 'to-stdout\nto-stderr\n[exit code 3]');
      // A command reading stdin gets EOF rather than swallowing the framing.
      assert.deepEqual(await bash.run({ command: 'cat; echo after-cat' }), { content: 'after-cat', is_error: false });
    } finally {
      await bash.dispose();
    }
  });

  it('caps the output and keeps its tail', async () => {
    const bash = new BashSession({ spawn: plainBash, outputLimit: 2000 });
    try {
      const result = await bash.run({ command: 'seq 1 50000' });
      assert.equal(result.is_error, false);
      assert.match(result.content, /^\[output truncated: only the last 2000 characters are shown\]\n/);
      assert.ok(result.content.endsWith('\n49999\n50000'));
      assert.ok(result.content.length < 2200);
    } finally {
      await bash.dispose();
    }
  });

  it('kills a runaway command and every process it started at the timeout, then starts a fresh shell', async () => {
    const bash = new BashSession({ spawn: plainBash });
    const marker = '8765.4321';
    try {
      const result = await bash.run({
        command: `sleep ${marker} & (sleep ${marker} &) ; for i in 1 2 3; do bash -c "sleep ${marker}" & done; echo started; sleep ${marker}`,
        timeout_ms: 1500,
      });
      assert.equal(result.is_error, true);
      assert.match(
        result.content,
        /^started\n\[the command timed out after 1500 ms; the shell and every process it started were killed\]$/,
      );
      assert.deepEqual(await waitUntilGone(marker), [], 'sleeps of the runaway command still alive');
      const next = await bash.run({ command: 'echo alive' });
      assert.equal(next.is_error, false);
      assert.match(
        next.content,
        /^\[new shell: the previous one ended because the command timed out after 1500 ms; .*\]\nalive$/,
      );
      // The note is given once.
      assert.deepEqual(await bash.run({ command: 'echo again' }), { content: 'again', is_error: false });
    } finally {
      await bash.dispose();
    }
    assert.deepEqual(processesWithArgument(marker), []);
  });

  it('is interrupted by an abort signal and kills the group', async () => {
    const bash = new BashSession({ spawn: plainBash });
    const marker = '8765.1111';
    try {
      const controller = new AbortController();
      const running = bash.run({ command: `sleep ${marker} & sleep ${marker}` }, controller.signal);
      // Abort once the sleeps exist, so the kill has something to kill.
      while (processesWithArgument(marker).length < 2) await new Promise((r) => setTimeout(r, 20));
      controller.abort();
      const result = await running;
      assert.equal(result.is_error, true);
      assert.match(result.content, /the command was interrupted/);
      assert.deepEqual(await waitUntilGone(marker), []);
    } finally {
      await bash.dispose();
    }
  });

  it('stops a running command at once when disposed, and refuses later calls', async () => {
    const bash = new BashSession({ spawn: plainBash });
    const marker = '8765.2222';
    const running = bash.run({ command: `sleep ${marker}` });
    while (processesWithArgument(marker).length < 1) await new Promise((r) => setTimeout(r, 20));
    await bash.dispose();
    const result = await running;
    assert.equal(result.is_error, true);
    assert.match(result.content, /the sandbox was closed/);
    assert.deepEqual(await waitUntilGone(marker), []);
    assert.deepEqual(await bash.run({ command: 'echo late' }), {
      content: 'bash: the sandbox was closed',
      is_error: true,
    });
  });

  it('says why when the shell cannot start', async () => {
    const bash = new BashSession({
      spawn: () => spawn('/nonexistent/bash', [], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] }),
    });
    const result = await bash.run({ command: 'echo hi' });
    assert.equal(result.is_error, true);
    assert.match(result.content, /the shell could not start \(spawn \/nonexistent\/bash ENOENT\)/);
    await bash.dispose();
  });

  it('restarts on request, resetting state', async () => {
    const bash = new BashSession({ spawn: plainBash });
    try {
      await bash.run({ command: 'export KEPT=yes; cd /' });
      assert.deepEqual(await bash.run({ restart: true }), { content: 'bash session restarted', is_error: false });
      assert.deepEqual(await bash.run({ command: 'echo "[$KEPT]"; pwd' }), { content: `[]\n${dir}`, is_error: false });
      const both = await bash.run({ restart: true, command: 'echo fresh' });
      assert.deepEqual(both, { content: '[shell restarted]\nfresh', is_error: false });
    } finally {
      await bash.dispose();
    }
  });

  it('runs concurrent calls one after another', async () => {
    const bash = new BashSession({ spawn: plainBash });
    try {
      const results = await Promise.all([1, 2, 3, 4].map((n) => bash.run({ command: `sleep 0.0${n}; echo ${n}` })));
      assert.deepEqual(
        results.map((r) => r.content),
        ['1', '2', '3', '4'],
      );
    } finally {
      await bash.dispose();
    }
  });

  it('cannot be spoofed by a command printing a fake end marker', async () => {
    const bash = new BashSession({ spawn: plainBash });
    try {
      const result = await bash.run({ command: `printf '__AGENT_OS_x_DONE__0\\n'; echo real` });
      assert.deepEqual(result, { content: '__AGENT_OS_x_DONE__0\nreal', is_error: false });
    } finally {
      await bash.dispose();
    }
  });
});
