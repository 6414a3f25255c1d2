// The built CLI, SIGKILLed mid-session under a parent that never reaps it, stays a zombie: resuming at once
// takes its writer lock over (no "being written by another process"), the session finishes, and nothing
// runs twice. (Without /proc a zombie cannot be told from a live holder by its pid: the resume then takes
// over once the dead writer's heartbeat has stood still, ten seconds later.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { cliEnv, startCli } from '../support/cliProcess.ts';
import { makeTempRepo } from '../support/gitRepo.ts';
import { procState, untilZombie } from '../support/nonReapingParent.ts';
import { checkRecoveredSession, crashScript, crashScriptFiles, worktreeOf } from './crashSession.ts';

const REPO_FILES = { 'README.md': '# sample\n' };
let server: ScriptedModelServer;
let root: string;

before(async () => {
  server = await ScriptedModelServer.start({ script: parseModelScript(crashScript()) });
  root = mkdtempSync(join(tmpdir(), 'agent-os-zombie-'));
});
after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

test(
  'a CLI writer killed into a zombie is taken over by a resume started at once; the session finishes, nothing ran twice',
  { timeout: 120_000 },
  async () => {
    const repo = makeTempRepo(REPO_FILES);
    const expected = crashScriptFiles(REPO_FILES);
    const storeDir = join(root, 'zombie');
    // Where nothing confines (no bubblewrap), every command asks: the run answers Allow to its scripted ones.
    const common = ['--repo', repo.repo, '--store', storeDir, '--base-url', server.url, '--allow-tools'];
    const env = cliEnv({ ANTHROPIC_API_KEY: 'test-key' });
    const run = startCli(['run', '--agent', 'Coder', '--prompt', 'Make the notes.', ...common], env, {
      nonReaping: true,
    });
    try {
      const pid = await run.cliPid;
      // Mid-session: the first tool has its result, more are to come.
      const store = new FileSessionStore(storeDir);
      let sessionId: string | undefined;
      for (let i = 0; i < 1000 && !sessionId; i++) {
        for (const s of await store.list().catch(() => [])) {
          if ((await store.read(s.id)).some((e) => e.type === 'agent.tool_result')) sessionId = s.id;
        }
        if (!sessionId) await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(sessionId, 'the session got to its first tool result');
      process.kill(pid, 'SIGKILL');
      await untilZombie(pid);

      const resumed = await startCli(['resume', sessionId, ...common], env).done;
      assert.equal(resumed.code, 0, `resume failed:\n${resumed.stdout}\n${resumed.stderr}`);
      if (procState(pid) !== undefined)
        assert.equal(procState(pid), 'Z', 'the killed writer was still a zombie when it was taken over');
      const events = await store.read(sessionId);
      checkRecoveredSession(
        { kills: 1, zombieLocks: 1, sessionId, worktree: worktreeOf(storeDir, sessionId), events },
        expected,
      );
      assert.equal((await store.verify(sessionId)).ok, true);
    } finally {
      run.child.kill('SIGKILL');
      await run.done;
      repo.cleanup();
    }
  },
);
