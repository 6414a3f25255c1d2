// The harness survives SIGKILL at any moment: ≥100 kills across sessions of the built CLI, each resumed
// to the end; the log verifies, the files equal an uninterrupted run's, and nothing ran twice unknowingly.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { makeTempRepo, type TempRepo } from '../support/gitRepo.ts';
import { checkRecoveredSession, crashScript, runWithKills, snapshotFiles } from './crashSession.ts';

const TOTAL_KILLS = Number(process.env.AGENT_OS_CRASH_KILLS ?? 100);
/** AGENT_OS_CRASH_RESUME=at-once: every resume starts right after its kill (by default every other session's
 * do); =zombie: also every killed CLI stays a zombie (its parent never reaps it; needs /proc). */
const RESUME_MODE = process.env.AGENT_OS_CRASH_RESUME;
const KILLS_PER_SESSION = 10;

let server: ScriptedModelServer;
let root: string;

before(async () => {
  server = await ScriptedModelServer.start({ script: parseModelScript(crashScript()) });
  root = mkdtempSync(join(tmpdir(), 'agent-os-crash-'));
});
after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** A small deterministic generator, so a failing run can be repeated from its seed. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test(`SIGKILL at random points (${TOTAL_KILLS} kills): every resume finishes and nothing runs twice unknowingly`, async (t) => {
  const seed = Number(process.env.AGENT_OS_CRASH_SEED ?? Date.now() % 100000);
  const random = seeded(seed);
  let repo: TempRepo = makeTempRepo();
  const reference = await runWithKills({
    repo: repo.repo,
    storeDir: join(root, 'reference'),
    baseUrl: server.url,
    maxKills: 0,
    random,
    killWindowMs: [0, 0],
  });
  checkRecoveredSession(reference, snapshotFiles(reference.worktree));
  const expected = snapshotFiles(reference.worktree);
  repo.cleanup();

  let kills = 0;
  let zombieLocks = 0;
  for (let i = 0; kills < TOTAL_KILLS; i++) {
    repo = makeTempRepo();
    const storeDir = join(root, `s${i}`);
    const result = await runWithKills({
      repo: repo.repo,
      storeDir,
      baseUrl: server.url,
      maxKills: Math.min(KILLS_PER_SESSION, TOTAL_KILLS - kills),
      random,
      killWindowMs: [60, 700],
      resumeAtOnce: RESUME_MODE === 'at-once' || i % 2 === 1,
      zombies: RESUME_MODE === 'zombie',
    });
    kills += result.kills;
    zombieLocks += result.zombieLocks;
    try {
      checkRecoveredSession(result, expected);
      const verify = await new FileSessionStore(storeDir).verify(result.sessionId);
      assert.equal(verify.ok, true, JSON.stringify(verify));
    } catch (error) {
      throw new Error(`seed ${seed}, session ${i}: ${(error as Error).message}`, { cause: error });
    }
    repo.cleanup();
  }
  t.diagnostic(
    `seed ${seed}: ${kills} kills${RESUME_MODE === 'zombie' ? `, ${zombieLocks} of them left the writer lock to a zombie` : ''}`,
  );
  assert.ok(kills >= TOTAL_KILLS);
});
