// Who may take over a session's writer lock, case by case (see holderLiveness.ts for the rule): a dead
// holder — gone, a zombie, or a pid that now belongs to another process — at once; a holder whose pid
// cannot be checked from here (another host, another pid namespace, no /proc) once its heartbeat stood
// still; a live one never, with a refusal that says what to do. Holders are real processes where one can
// be made; hand-written lock files stand for holders that cannot (another host, an older Agent OS).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  mkdirSync,
  symlinkSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { recordedIdentity } from '../../src/node/session/holderLiveness.ts';
import { defaultProcessProbe, procProbe, signalProbe } from '../../src/node/session/processProbe.ts';
import type { ProcessProbe, ProcessState } from '../../src/node/session/processProbe.ts';
import { startHeartbeat } from '../../src/node/session/writerLease.ts';
import { WriterLock } from '../../src/node/session/writerLock.ts';
import { childPidOf, procState, untilZombie } from '../support/nonReapingParent.ts';
import { requireBubblewrap } from '../support/requirements.ts';
import { startChild } from './sessionChildProcess.ts';
import type { Child } from './sessionChildProcess.ts';
import { makeTempDir } from './tempDir.ts';

const HAS_PROC = procState(process.pid) !== undefined;
const NO_PROC = '/proc: not on this system (the fallback without it is tested through the signal probe)';
/** bubblewrap arguments for a process in a pid namespace of its own, seeing the rest of the system. */
const NEW_PID_NAMESPACE = ['--dev-bind', '/', '/', '--unshare-pid', '--proc', '/proc'];
/** A short lease, so that waiting for one to lapse takes a fraction of a second. */
const FAST = { heartbeatMs: 20, staleAfterMs: 300 };
/** A lease that would outlast the test: a takeover that happens anyway did not wait for it. */
const ENDLESS = { heartbeatMs: 1000, staleAfterMs: 600_000 };

let temp: ReturnType<typeof makeTempDir>;
let store: FileSessionStore;
const cleanups: Array<() => Promise<void> | void> = [];

beforeEach(() => {
  temp = makeTempDir();
  store = new FileSessionStore(temp.dir);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  temp.remove();
});

async function session(): Promise<{ id: string; dir: string }> {
  const meta = await store.create({ title: 'lock' });
  return { id: meta.id, dir: join(temp.dir, meta.id) };
}

async function caught(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

function locks(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.startsWith('lock-'))
    .sort();
}

/** A child process that took the lock (fence 1); killed, with its parent, when the test ends. `nonReaping`:
 * under a parent that never reaps it, so that once killed it stays a zombie. */
async function holdingChild(
  id: string,
  lockOptions?: object,
  nonReaping = false,
): Promise<{ pid: number; child: Child }> {
  const child = startChild(['lock', temp.dir, id, ...(lockOptions ? [JSON.stringify(lockOptions)] : [])], {
    nonReaping,
  });
  cleanups.push(async () => {
    child.process.kill('SIGKILL');
    await child.exited;
  });
  const pid = nonReaping ? childPidOf(await child.waitFor(/^child /)) : (child.process.pid as number);
  assert.equal(await child.waitFor(/^(locked|refused)/), 'locked 1');
  return { pid, child };
}

/** A live process that holds no lock: its pid stands for a reused one. */
function bystander(): ChildProcess {
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  cleanups.push(() => {
    sleeper.kill('SIGKILL');
  });
  return sleeper;
}

function writeLock(dir: string, fence: number, holder: object): string {
  const file = join(dir, `lock-${fence}.json`);
  writeFileSync(file, `${JSON.stringify({ fence, acquired_at: '2026-12-01T00:00:00.000Z', ...holder })}\n`);
  return file;
}

describe('a live holder on this machine', () => {
  it('is refused, with what the person can do and what Agent OS does by itself', async () => {
    const { id } = await session();
    const { pid } = await holdingChild(id);
    const refused = await caught(store.openWriter(id));
    assert.equal(refused.code, 'SESSION_LOCKED');
    if (HAS_PROC) {
      assert.match(
        refused.message,
        new RegExp(
          `being written by another process \\(pid ${pid}, since \\S+\\); let it finish, or stop it \\(kill ${pid}\\)`,
        ),
      );
      assert.match(refused.message, /Agent OS takes the session over by itself at the next resume/);
    } else {
      // Without /proc the pid cannot tell it from a later process with its pid: its heartbeat shows it lives.
      assert.match(refused.message, new RegExp(`\\(pid ${pid}, since \\S+\\); it is alive: its heartbeat is current`));
    }
  });
});

describe('a live holder in this very process', () => {
  it('is refused, saying the session runs here already', async () => {
    const { id } = await session();
    const writer = await store.openWriter(id);
    const refused = await caught(new FileSessionStore(temp.dir).openWriter(id));
    assert.match(
      refused.message,
      new RegExp(`\\(pid ${process.pid}, since \\S+\\); that is this process: the session is running here already`),
    );
    await writer.close();
  });
});

describe('a writer that died as a zombie (its parent never reaps it)', () => {
  it(
    'is taken over at once, without waiting for its lease',
    { skip: !HAS_PROC && NO_PROC, timeout: 60_000 },
    async () => {
      const { id, dir } = await session();
      const { pid } = await holdingChild(id, ENDLESS, true);
      process.kill(pid, 'SIGKILL');
      await untilZombie(pid);
      const writer = await store.openWriter(id);
      assert.equal(writer.fence, 2);
      assert.equal(procState(pid), 'Z', 'taken over while the holder is still a zombie');
      assert.deepEqual(locks(dir), ['lock-2.json']);
      await writer.close();
    },
  );

  it('without /proc, is refused while its heartbeat goes on and taken over once it stood still', async () => {
    const { id, dir } = await session();
    const { pid } = await holdingChild(id, { probe: 'signal', ...FAST }, true);
    const blind = new FileSessionStore(temp.dir, { writerLock: { probe: signalProbe() } });
    const refused = await caught(blind.openWriter(id));
    assert.equal(refused.code, 'SESSION_LOCKED');
    assert.match(refused.message, /it is alive: its heartbeat is current/);
    process.kill(pid, 'SIGKILL');
    await untilZombie(pid);
    process.kill(pid, 0); // still there (unreaped): a pid check alone would call it alive
    const writer = await blind.openWriter(id);
    assert.equal(writer.fence, 2);
    assert.deepEqual(locks(dir), ['lock-2.json']);
    await writer.close();
  });
});

describe('a killed holder still finishing a system call', () => {
  /** The default probe, but the holder's pid reads 'dying' for its first `dyingLooks` looks. */
  function dyingFor(dyingLooks: number, holderPid: number): { probe: ProcessProbe; looks: () => number } {
    const real = defaultProcessProbe();
    let looks = 0;
    const probe: ProcessProbe = {
      self: () => real.self(),
      inspect(pid): ProcessState {
        if (pid !== holderPid) return real.inspect(pid);
        looks++;
        return looks <= dyingLooks ? { state: 'dying' } : { state: 'exited' };
      },
    };
    return { probe, looks: () => looks };
  }

  it('is waited for until it has exited, then taken over', { timeout: 60_000 }, async () => {
    const { id, dir } = await session();
    const sleeper = bystander();
    writeLock(dir, 1, { ...recordedIdentity(defaultProcessProbe().self()), pid: sleeper.pid, ...lease(ENDLESS) });
    const { probe, looks } = dyingFor(5, sleeper.pid as number);
    const lock = await WriterLock.acquire(dir, id, { probe });
    assert.equal(lock.fence, 2);
    assert.ok(looks() > 5, 'it looked again until the holder had exited');
    await lock.release();
  });

  it('is refused when it does not exit, saying Agent OS takes over once it has', async () => {
    const { id, dir } = await session();
    const sleeper = bystander();
    writeLock(dir, 1, { ...recordedIdentity(defaultProcessProbe().self()), pid: sleeper.pid, ...lease(ENDLESS) });
    const { probe } = dyingFor(Number.POSITIVE_INFINITY, sleeper.pid as number);
    const refused = await caught(WriterLock.acquire(dir, id, { probe, dyingWaitMs: 100 }));
    assert.equal(refused.code, 'SESSION_LOCKED');
    assert.match(
      refused.message,
      /was killed but has not exited for 0\.1 s .*takes the session over as soon as it has exited/,
    );
    assert.deepEqual(locks(dir), ['lock-1.json']);
  });
});

describe('a holder in another pid namespace (a dev container sharing the store)', () => {
  it('is judged by its lease, never by the process that has its pid here', async () => {
    const { id, dir } = await session();
    // Its pid is a live process here (ours), which says nothing about the holder in its namespace.
    const file = writeLock(dir, 1, {
      ...recordedIdentity(defaultProcessProbe().self()),
      pid_ns: 'pid:[1]',
      pid: process.pid,
      ...lease(FAST),
    });
    const beat = startHeartbeat(file, FAST.heartbeatMs);
    const refused = await caught(store.openWriter(id));
    assert.match(
      refused.message,
      /\(pid \d+ in another pid namespace or boot, since .*\); it is alive: its heartbeat is current/,
    );
    assert.match(refused.message, /takes the session over by itself once its heartbeat has stood still for 0\.3 s/);
    await beat.stop();
    const writer = await store.openWriter(id);
    assert.equal(writer.fence, 2);
    await writer.close();
  });

  it('a real one (bubblewrap): refused while it runs, taken over once its lease lapsed after it died', async (t) => {
    const why = await requireBubblewrap();
    if (why) return t.skip(why);
    if (spawnSync('bwrap', [...NEW_PID_NAMESPACE, 'true']).status !== 0)
      return t.skip('bubblewrap: cannot make a pid namespace here');
    const { id, dir } = await session();
    const { childScript } = await import('./sessionChildProcess.ts');
    const inner = spawn(
      'bwrap',
      [
        ...NEW_PID_NAMESPACE,
        '--die-with-parent',
        process.execPath,
        childScript(),
        'lock',
        temp.dir,
        id,
        JSON.stringify(FAST),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => inner.on('close', resolve));
    cleanups.push(async () => {
      inner.kill('SIGKILL');
      await exited;
    });
    const line = await new Promise<string>((resolve) =>
      inner.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
    );
    assert.equal(line, 'locked 1');
    const refused = await caught(store.openWriter(id));
    assert.match(refused.message, /in another pid namespace or boot.*its heartbeat is current/);
    inner.kill('SIGKILL'); // bwrap is the namespace's init: the holder dies with it
    await exited;
    const writer = await store.openWriter(id);
    assert.equal(writer.fence, 2);
    assert.deepEqual(locks(dir), ['lock-2.json']);
    await writer.close();
  });
});

describe('a holder on another host over a shared folder', () => {
  it('is refused while its heartbeat goes on, and taken over once it stood still', async () => {
    const { id, dir } = await session();
    const { pid, child } = await holdingChild(id, { host: 'elsewhere', ...FAST });
    const refused = await caught(store.openWriter(id));
    assert.equal(refused.code, 'SESSION_LOCKED');
    assert.match(
      refused.message,
      new RegExp(`\\(pid ${pid} on host elsewhere, since .*\\); it is alive: its heartbeat is current`),
    );
    child.process.kill('SIGKILL');
    await child.exited;
    const writer = await store.openWriter(id);
    assert.equal(writer.fence, 2);
    assert.deepEqual(locks(dir), ['lock-2.json']);
    await writer.close();
  });

  it('from before leases (no heartbeat) is never taken over; the refusal says how to free it by hand', async () => {
    const { id, dir } = await session();
    writeLock(dir, 5, { pid: 4242, host: 'elsewhere' });
    for (let i = 0; i < 2; i++) {
      const refused = await caught(store.openWriter(id));
      assert.match(
        refused.message,
        /\(pid 4242 on host elsewhere, since .*\); it cannot be checked from here \(another host\) and keeps no heartbeat/,
      );
      assert.match(refused.message, /rename lock-5\.json in the session's folder to lock-5\.released and resume/);
    }
    renameSync(join(dir, 'lock-5.json'), join(dir, 'lock-5.released'));
    const writer = await store.openWriter(id);
    assert.equal(writer.fence, 6, 'the fence still only grows');
    await writer.close();
  });
});

describe('a lock left by a process whose pid was reused', () => {
  it(
    'by a live process that started at another time: taken over at once',
    { skip: !HAS_PROC && NO_PROC, timeout: 60_000 },
    async () => {
      const { id, dir } = await session();
      const sleeper = bystander();
      writeLock(dir, 3, {
        ...recordedIdentity(defaultProcessProbe().self()),
        pid: sleeper.pid,
        start: '1',
        ...lease(ENDLESS),
      });
      const writer = await store.openWriter(id);
      assert.equal(writer.fence, 4);
      await writer.close();
    },
  );

  it('by this very process, which does not hold it: taken over at once', { timeout: 60_000 }, async () => {
    const { id, dir } = await session();
    for (const probe of [defaultProcessProbe(), signalProbe()]) {
      const fence = Number(locks(dir).at(-1)?.match(/\d+/)?.[0] ?? 0) + 1;
      writeLock(dir, fence, { ...recordedIdentity(probe.self()), ...lease(ENDLESS) });
      const lock = await WriterLock.acquire(dir, id, { probe });
      assert.equal(lock.fence, fence + 1);
      await lock.release();
    }
  });

  it('without /proc, where a start time cannot be read: taken over once its lease lapsed', async () => {
    const { id, dir } = await session();
    const sleeper = bystander();
    writeLock(dir, 3, { pid: sleeper.pid, host: hostname(), ...lease(FAST) });
    const lock = await WriterLock.acquire(dir, id, { probe: signalProbe() });
    assert.equal(lock.fence, 4);
    await lock.release();
  });

  it('without /proc, a lock from before leases whose pid lives is kept', async () => {
    const { id, dir } = await session();
    const sleeper = bystander();
    writeLock(dir, 3, { pid: sleeper.pid, host: hostname() });
    const refused = await caught(WriterLock.acquire(dir, id, { probe: signalProbe() }));
    assert.match(refused.message, /cannot be checked from here \(pid may be reused\) and keeps no heartbeat/);
  });
});

describe('the lease', () => {
  it('is kept fresh while the lock is held, and not after it was released', async () => {
    const { id, dir } = await session();
    const lock = await WriterLock.acquire(dir, id, { lease: FAST });
    const file = join(dir, 'lock-1.json');
    const first = statSync(file, { bigint: true }).mtimeNs;
    await until(() => statSync(file, { bigint: true }).mtimeNs !== first);
    await lock.release();
    const released = statSync(join(dir, 'lock-1.released'), { bigint: true }).mtimeNs;
    await new Promise((r) => setTimeout(r, FAST.heartbeatMs * 5));
    assert.equal(statSync(join(dir, 'lock-1.released'), { bigint: true }).mtimeNs, released);
    assert.equal(existsSync(file), false);
  });

  it('of a writer whose lock was taken over does not bring its lock file back', async () => {
    const { id, dir } = await session();
    const lock = await WriterLock.acquire(dir, id, { lease: FAST });
    unlinkSync(join(dir, 'lock-1.json')); // what a takeover does to older locks
    await new Promise((r) => setTimeout(r, FAST.heartbeatMs * 5));
    assert.equal(existsSync(join(dir, 'lock-1.json')), false);
    assert.throws(() => lock.check(), { code: 'FENCE_LOST' });
  });
});

describe('the /proc probe', () => {
  /** A /proc of our own: one process `pid` with threads of the given stat state, flags and pending signals. */
  function fakeProc(pid: number, threads: Array<{ state: string; flags?: number; sigPnd?: string }>): string {
    const root = join(temp.dir, 'proc');
    const stat = (state: string, flags = 0) =>
      `${pid} (node (x)) ${state} 1 1 1 0 -1 ${flags} 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0\n`;
    mkdirSync(join(root, String(pid), 'task'), { recursive: true });
    writeFileSync(join(root, String(pid), 'stat'), stat(threads[0]?.state ?? 'S'));
    threads.forEach((t, i) => {
      const task = join(root, String(pid), 'task', String(pid + i));
      mkdirSync(task);
      writeFileSync(join(task, 'stat'), stat(t.state, t.flags));
      writeFileSync(
        join(task, 'status'),
        `State:\t${t.state}\nSigPnd:\t${t.sigPnd ?? '0000000000000000'}\nShdPnd:\t0000000000000000\n`,
      );
    });
    return root;
  }
  const PID = 90000;

  const cases: Array<[string, Array<{ state: string; flags?: number; sigPnd?: string }>, ProcessState]> = [
    ['every thread a zombie: exited', [{ state: 'Z' }, { state: 'Z' }], { state: 'exited' }],
    [
      'a zombie leader waiting for a thread in do_exit: dying',
      [{ state: 'Z' }, { state: 'D', flags: 0x4 }],
      { state: 'dying' },
    ],
    ['SIGKILL pending, not yet taken: dying', [{ state: 'S', sigPnd: '0000000000000100' }], { state: 'dying' }],
    [
      'a zombie leader whose other thread runs: running',
      [{ state: 'Z' }, { state: 'S' }],
      { state: 'running', start: '777' },
    ],
    ['stopped: running', [{ state: 'T' }], { state: 'running', start: '777' }],
  ];
  for (const [name, threads, expected] of cases) {
    it(name, () => {
      assert.deepEqual(procProbe(fakeProc(PID, threads)).inspect(PID), expected);
    });
  }

  it('calls a pid that is in neither /proc nor the kernel gone', () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    assert.deepEqual(procProbe(join(temp.dir, 'empty')).inspect(dead), { state: 'gone' });
  });

  it('reads who this process is: boot, pid namespace and start time', () => {
    const root = fakeProc(process.pid, [{ state: 'R' }]);
    mkdirSync(join(root, 'sys', 'kernel', 'random'), { recursive: true });
    writeFileSync(join(root, 'sys', 'kernel', 'random', 'boot_id'), 'b00t\n');
    mkdirSync(join(root, 'self', 'ns'), { recursive: true });
    symlinkSync('pid:[4026531836]', join(root, 'self', 'ns', 'pid'));
    assert.deepEqual(procProbe(root).self(), {
      host: hostname(),
      pid: process.pid,
      boot: 'b00t',
      pidNs: 'pid:[4026531836]',
      start: '777',
    });
    assert.deepEqual(signalProbe().self(), { host: hostname(), pid: process.pid });
  });

  it('sees this live process as running, with its start time', { skip: !HAS_PROC && NO_PROC }, () => {
    const seen = procProbe().inspect(process.pid);
    assert.equal(seen.state, 'running');
    assert.equal((seen as { start?: string }).start, procProbe().self().start);
  });
});

function lease(timing: { heartbeatMs: number; staleAfterMs: number }): {
  heartbeat_ms: number;
  stale_after_ms: number;
} {
  return { heartbeat_ms: timing.heartbeatMs, stale_after_ms: timing.staleAfterMs };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition());
}
