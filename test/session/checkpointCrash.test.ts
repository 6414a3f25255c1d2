// Writers and readers SIGKILLed while they write fold checkpoints (a child checkpoints every few records, and
// a reader in it folds the log again and again, leaving checkpoints of its own): whatever moment the kill
// lands on — temp file half written, renamed, folder not yet synced — nothing is lost or made wrong. After
// every kill each checkpoint file present is whole, every fold read from checkpoints equals the fold of the
// whole log, no acknowledged record is missing, and a wake starts from the right state.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { foldAll } from '../../src/core/session/logFold.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { readSessionState, SESSION_STATE_FOLD } from '../../src/core/session/sessionStateFold.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { checkpointFile, readCheckpoint } from '../../src/node/session/foldCheckpoint.ts';
import { startChild } from './sessionChildProcess.ts';
import { TEXT_FOLD } from './textFold.ts';
import { makeTempDir } from './tempDir.ts';

/** AGENT_OS_CRASH_KILLS sets it for a longer soak. */
const KILLS = Math.ceil(Number(process.env.AGENT_OS_CRASH_KILLS ?? 300) / 5);

describe('a writer and a reader killed while they write fold checkpoints', () => {
  it(`lose nothing and make nothing wrong over ${KILLS} SIGKILLs`, async (t) => {
    const temp = makeTempDir();
    try {
      const store = new FileSessionStore(temp.dir);
      const { id } = await store.create({ title: 'checkpoint crash' });
      const dir = store.sessionDir(id);
      let acked = 0;
      let checkpointsSeen = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        const child = startChild(['checkpoint', temp.dir, id]);
        await child.waitFor(/^ack /);
        await new Promise((r) => setTimeout(r, Math.random() * 30));
        child.process.kill('SIGKILL');
        await child.exited;
        assert.deepEqual(
          child.lines.filter((l) => l.startsWith('read failed')),
          [],
          'the reader in the child never failed',
        );
        acked = Math.max(acked, ...child.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4))));

        const events = await store.read(id);
        assert.ok(events.length >= acked, `log has ${events.length} records, ${acked} were acknowledged`);
        for (const fold of [TEXT_FOLD, SESSION_STATE_FOLD]) {
          const name = checkpointFile(fold.name);
          if (!readdirSync(dir).includes(name)) continue;
          // Replaced only by rename: a file by that name is always a whole checkpoint of this build.
          assert.ok(readCheckpoint(dir, id, fold as typeof TEXT_FOLD), `${name} is whole after kill ${kill}`);
          checkpointsSeen++;
        }
        const fresh = new FileSessionStore(temp.dir);
        assert.deepEqual((await fresh.readFolded(id, TEXT_FOLD)).state, foldAll(TEXT_FOLD, id, events));
        assert.deepEqual((await readSessionState(fresh, id)).state, foldSession(id, events));
        if (kill % 10 === 9) {
          const writer = await fresh.openWriter(id);
          assert.deepEqual(
            writer.opened.state,
            foldSession(id, await fresh.read(id)),
            'the wake starts from the right state',
          );
          await writer.close();
          assert.deepEqual(
            readdirSync(dir).filter((n) => n.includes('tmp-')),
            [],
            'temp files of killed writers are gone',
          );
        }
      }
      t.diagnostic(`acknowledged records: ${acked}, whole checkpoints seen after kills: ${checkpointsSeen}`);
      assert.ok(checkpointsSeen > KILLS, 'the children got to write checkpoints');
      assert.equal((await store.verify(id)).ok, true);
    } finally {
      temp.remove();
    }
  });
});
