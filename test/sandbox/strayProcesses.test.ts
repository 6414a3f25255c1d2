import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chosenSessionSandboxes } from '../../src/node/sandbox/chosenSessionSandboxes.ts';
import { chooseSandbox } from '../../src/node/sandbox/sandboxChoice.ts';
import { makeTestRepo } from '../git/gitTestRepo.ts';
import { processesWithArgument, waitUntilGone } from './processes.ts';

describe('unconfined shells of a killed harness', () => {
  const repo = makeTestRepo();
  const storage = mkdtempSync(join(tmpdir(), 'agentos-stray-'));
  after(() => {
    rmSync(storage, { recursive: true, force: true });
    repo.cleanup();
  });

  it('are killed when the thread sandbox opens again, sparing live shells', async () => {
    const marker = '6543.2109';
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'fixtures', 'openAndSleep.ts'), storage, repo.work, marker],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('started') && resolve());
      child.on('exit', (code) => reject(new Error(`helper exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    // The harness is gone; its shell's sleeps are not.
    // The two background sleeps exist by then (the helper waits for them); its foreground one may not yet.
    assert.ok(processesWithArgument(marker).length >= 2, 'the helper left no orphans to clean up');

    const choice = await chooseSandbox({
      setting: 'worktree',
      repository: repo.work,
      dockerAvailable: false,
      osSandboxAvailable: false,
    });
    const provider = chosenSessionSandboxes(choice, { storageDir: storage, repository: repo.work });
    const first = await provider.open({
      sessionId: 'stray',
      threadId: 'coder',
      access: 'read_write',
      network: false,
      enabledTools: ['bash'],
    });
    assert.deepEqual(await waitUntilGone(marker), []);
    // A live shell of this process for the same thread is not taken for a stray by a second opening.
    const running = first.runTool({ name: 'bash', input: { command: 'sleep 6543.3333; echo survived' } }, {});
    while (processesWithArgument('6543.3333').length < 1) await new Promise((r) => setTimeout(r, 20));
    const second = await provider.open({
      sessionId: 'stray',
      threadId: 'coder',
      access: 'read_write',
      network: false,
      enabledTools: ['bash'],
    });
    assert.equal(processesWithArgument('6543.3333').length, 1);
    await first.dispose();
    assert.equal((await running).is_error, true);
    await second.dispose();
  });
});
