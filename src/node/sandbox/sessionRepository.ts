// A repository of the session's own. The agents' git never touches the person's object store, refs, config
// or hooks: each session works in a clone whose objects and refs are its own and which borrows the person's
// objects read-only (git alternates). Beside it, host-only, the session's vault: a bare repository holding
// what Agent OS took over from the agents — verified objects only (see sessionGit.ts) — from which clean
// rooms and child repositories are cloned and the approved commit is delivered to the person's repository.
//
// The host makes these folders fresh (a clone into a folder no sandbox has open), removes them, and never
// runs anything inside one an agent has written to: work inside them runs confined (sessionGit.ts).
//
// Layout under the storage folder:
//   repos/<id>                    the session's repository (writers' files; readers see it read-only)
//   repos/<id>-clean-<sha12>      a clean room: exactly one commit, made fresh for each Reviewer run
//   repos/<id>-child-<key>        a parallel Coder's repository on its own branch
//   vault/<id>.git                host-only bare repository (alternates: the person's objects)
//   homes/<id>/<thread>           scratch homes
//   records/<id>.json             branch and base commit
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidArgumentError, StateCorruptError } from '../../core/errors.ts';
import { agentOsIdentity, openGit, runGit } from '../git/gitClient.ts';
import { clearStaleRefLocks } from '../git/staleRefLocks.ts';
import { WRITE_TEMP_GLOB } from '../git/writeTemps.ts';
import { pathExists } from '../pathExists.ts';

export const sessionBranch = (sessionId: string): string => `agent-os/${sessionId}`;

/** `recreated`: made again from the vault; `recreated_from_base`: the vault had no work either. */
export type SessionRepositoryStatus = 'existing' | 'created' | 'recreated' | 'recreated_from_base';

export interface SessionRecord {
  sessionId: string;
  repository: string;
  branch: string;
  /** The commit the session started from: what its work is measured against. */
  baseCommit: string;
}

/** Session, thread and child names become folder names; anything else is refused rather than escaped. */
export function safeName(kind: string, value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value) || value.includes('..')) {
    throw new InvalidArgumentError(`${kind} ${JSON.stringify(value)} cannot name a folder`);
  }
  return value;
}

export interface SessionRepositoriesOptions {
  storageDir: string;
  /** The person's repository. */
  repository: string;
  /** Where a new session starts; the repository's HEAD when omitted. */
  baseRef?: string;
}

/** Settings every clone gets: who commits, and no remote (the person's remotes and their URLs stay theirs). */
async function finishClone(dir: string): Promise<void> {
  const git = openGit(dir);
  await git.raw(['remote', 'remove', 'origin']).catch(() => undefined);
  await runGit('config', () => git.raw(['config', 'user.name', agentOsIdentity.name]));
  await runGit('config', () => git.raw(['config', 'user.email', agentOsIdentity.email]));
  // The hooks folder must exist: the OS sandbox then protects it as a folder (no hook can be planted).
  await mkdir(path.join(dir, '.git', 'hooks'), { recursive: true });
  await excludeWriteTemps(dir);
}

/** A killed write's temp is left out of all we record (writeTemps.ts); hidden from the agents' git status too.
 * Said once per clone: clones made before this line existed get it when they are opened again. */
async function excludeWriteTemps(dir: string): Promise<void> {
  const exclude = path.join(dir, '.git', 'info', 'exclude');
  if ((await readFile(exclude, 'utf8').catch(() => '')).split('\n').includes(WRITE_TEMP_GLOB)) return;
  await mkdir(path.dirname(exclude), { recursive: true });
  await appendFile(exclude, `\n# a killed file tool's temp (Agent OS)\n${WRITE_TEMP_GLOB}\n`);
}

export class SessionRepositories {
  private objects: Promise<string> | undefined;
  /** Work on one session's folders is serialized: two threads opening at once must not both clone. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(readonly options: SessionRepositoriesOptions) {}

  get repository(): string {
    return this.options.repository;
  }

  repoPath(name: string): string {
    return path.join(this.options.storageDir, 'repos', safeName('session id', name));
  }
  cleanRoomPath(sessionId: string, commit: string): string {
    return this.repoPath(`${sessionId}-clean-${commit.slice(0, 12)}`);
  }
  childPath(sessionId: string, key: string): string {
    return this.repoPath(`${sessionId}-child-${safeName('thread key', key)}`);
  }
  childBranch(sessionId: string, key: string): string {
    return `${sessionBranch(sessionId)}-child-${key}`;
  }
  vaultPath(sessionId: string): string {
    return path.join(this.options.storageDir, 'vault', `${safeName('session id', sessionId)}.git`);
  }
  homePath(sessionId: string, threadId: string): string {
    return path.join(
      this.options.storageDir,
      'homes',
      safeName('session id', sessionId),
      safeName('thread id', threadId),
    );
  }
  private recordFile(sessionId: string): string {
    return path.join(this.options.storageDir, 'records', `${safeName('session id', sessionId)}.json`);
  }

  /** The person's object store (absolute), borrowed by every clone. */
  repositoryObjects(): Promise<string> {
    this.objects ??= runGit('rev-parse --git-common-dir', () =>
      openGit(this.options.repository).raw(['rev-parse', '--path-format=absolute', '--git-common-dir']),
    ).then((dir) => path.join(dir.trim(), 'objects'));
    return this.objects;
  }

  serialize<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(sessionId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => {});
    this.locks.set(sessionId, settled);
    void settled.then(() => {
      if (this.locks.get(sessionId) === settled) this.locks.delete(sessionId);
    });
    return next;
  }

  async readRecord(sessionId: string): Promise<SessionRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.recordFile(sessionId), 'utf8')) as SessionRecord;
    } catch {
      return undefined;
    }
  }

  private async writeRecord(record: SessionRecord): Promise<void> {
    const file = this.recordFile(record.sessionId);
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(record, null, 2) + '\n');
    await rename(temp, file);
  }

  /** The vault: a bare repository that borrows the person's objects. Made once; host-only. */
  async ensureVault(sessionId: string): Promise<string> {
    const vault = this.vaultPath(sessionId);
    if (await pathExists(path.join(vault, 'HEAD'))) return vault;
    await mkdir(path.dirname(vault), { recursive: true });
    const temp = `${vault}.${process.pid}.tmp`;
    await rm(temp, { recursive: true, force: true });
    await runGit('init --bare', () => openGit(path.dirname(vault)).raw(['init', '--bare', '--quiet', temp]));
    await mkdir(path.join(temp, 'objects', 'info'), { recursive: true });
    await writeFile(path.join(temp, 'objects', 'info', 'alternates'), `${await this.repositoryObjects()}\n`);
    await rename(temp, vault);
    return vault;
  }

  /** The vault, ready for our ref updates: made when missing, rid of the ref locks a killed git left. */
  async vaultToWrite(sessionId: string): Promise<string> {
    const vault = await this.ensureVault(sessionId);
    await clearStaleRefLocks({ gitDir: vault, workDir: vault });
    return vault;
  }

  /** The person's git directory (absolute), where our branch is delivered. */
  async repositoryGitDir(): Promise<string> {
    return path.dirname(await this.repositoryObjects());
  }

  /** The commit a ref names in the vault, if it names one. */
  async vaultCommit(sessionId: string, ref: string): Promise<string | undefined> {
    const vault = this.vaultPath(sessionId);
    if (!(await pathExists(vault))) return undefined;
    try {
      const out = await openGit(vault).raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
      return out.trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The session's repository, made on first use (a clone at the base commit on the branch `agent-os/<id>`),
   * and made again from the vault's copy of the branch when it went missing (deleted folder, another
   * machine's storage): what Agent OS took over is never lost.
   */
  ensureSession(
    sessionId: string,
    options: { baseRef?: string } = {},
  ): Promise<SessionRecord & { workdir: string; status: SessionRepositoryStatus }> {
    return this.serialize(sessionId, async () => {
      const workdir = this.repoPath(sessionId);
      let record = await this.readRecord(sessionId);
      const vault = await this.ensureVault(sessionId);
      if (record && (await pathExists(path.join(workdir, '.git', 'HEAD')))) {
        await excludeWriteTemps(workdir);
        return { ...record, workdir, status: 'existing' };
      }
      const hadRecord = record !== undefined;
      if (!record) {
        const base = options.baseRef ?? this.options.baseRef ?? 'HEAD';
        const baseCommit = (
          await runGit(`rev-parse ${base}`, () =>
            openGit(this.options.repository).raw(['rev-parse', '--verify', '--end-of-options', `${base}^{commit}`]),
          )
        ).trim();
        record = { sessionId, repository: this.options.repository, branch: sessionBranch(sessionId), baseCommit };
      }
      const kept = await this.vaultCommit(sessionId, `refs/heads/${record.branch}`);
      await this.cloneAt(workdir, vault, kept ?? record.baseCommit, record.branch);
      await this.writeRecord(record);
      const status: SessionRepositoryStatus = !hadRecord ? 'created' : kept ? 'recreated' : 'recreated_from_base';
      return { ...record, workdir, status };
    });
  }

  /**
   * The folders of a fork: its vault holds the source's commit `at` (its base when undefined; copied from the
   * source's vault, host to host: both are host-only) as the fork's branch, and its record the source's base,
   * so the fork's repository is made at that commit on first use. Nothing of the source's repository is read.
   */
  forkFrom(sourceId: string, forkId: string, at: string | undefined): Promise<SessionRecord & { commit: string }> {
    return this.serialize(forkId, async () => {
      const source = await this.readRecord(sourceId);
      if (!source) throw new StateCorruptError(`session ${sourceId} has no repository to fork (its record is missing)`);
      const commit = at ?? source.baseCommit;
      if (!/^[0-9a-f]{40,64}$/.test(commit))
        throw new InvalidArgumentError(`a fork needs a full commit id, not "${commit}"`);
      const record: SessionRecord = {
        sessionId: forkId,
        repository: this.options.repository,
        branch: sessionBranch(forkId),
        baseCommit: source.baseCommit,
      };
      const vault = await this.vaultToWrite(forkId);
      const ref = `refs/heads/${record.branch}`;
      if (commit === source.baseCommit) {
        await runGit('update-ref', () => openGit(vault).raw(['update-ref', ref, commit]));
      } else {
        const from = this.vaultPath(sourceId);
        if (!(await pathExists(path.join(from, 'HEAD'))))
          throw new StateCorruptError(`session ${sourceId} has no vault to fork its work from`);
        await runGit('fetch (fork)', () =>
          openGit(vault).raw(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', from, `+${commit}:${ref}`]),
        );
      }
      await this.writeRecord(record);
      return { ...record, commit };
    });
  }

  /**
   * A fresh clone at `commit` (in the vault or the person's objects) on `branch` (detached when omitted).
   * A folder already there is set aside, never deleted: it may hold work nobody took over yet.
   */
  async cloneAt(dir: string, vault: string, commit: string, branch?: string): Promise<void> {
    if (await pathExists(dir)) await rename(dir, `${dir}.broken-${Date.now()}`);
    await mkdir(path.dirname(dir), { recursive: true });
    const temp = `${dir}.${process.pid}.making`;
    await rm(temp, { recursive: true, force: true });
    // --shared borrows the vault's objects (and through it the person's); --no-checkout, then the commit.
    await runGit('clone --shared', () =>
      openGit(path.dirname(dir)).raw(['clone', '--shared', '--no-checkout', '--quiet', '--no-tags', vault, temp]),
    );
    const git = openGit(temp);
    await runGit('checkout', () =>
      git.raw(['checkout', '--quiet', ...(branch ? ['-B', branch] : ['--detach']), commit]),
    );
    await finishClone(temp);
    await rename(temp, dir);
  }

  /** Whether `commit` (a full id) is the session's base or in its branch's history as the vault holds it:
   * never one of the person's other commits, though the vault borrows their objects. */
  async inHistory(sessionId: string, commit: string): Promise<boolean> {
    if (!/^[0-9a-f]{40,64}$/.test(commit)) return false;
    const session = await this.ensureSession(sessionId);
    if (commit === session.baseCommit) return true;
    const head = await this.vaultCommit(sessionId, `refs/heads/${session.branch}`);
    if (!head) return false;
    try {
      // An ancestor is its own merge base with the head.
      return (await openGit(this.vaultPath(sessionId)).raw(['merge-base', commit, head])).trim() === commit;
    } catch {
      return false; // not an object at all, or nothing in common
    }
  }

  /** A clean room: exactly the committed files of `commit` (already in the vault), made fresh each time. */
  async freshCleanRoom(sessionId: string, commit: string): Promise<string> {
    if (!/^[0-9a-f]{40,64}$/.test(commit))
      throw new InvalidArgumentError(`a clean room needs a full commit id, not "${commit}"`);
    const dir = this.cleanRoomPath(sessionId, commit);
    await rm(dir, { recursive: true, force: true });
    await this.cloneAt(dir, await this.ensureVault(sessionId), commit);
    return dir;
  }

  /** A child repository for a parallel Coder, made from `fromCommit` the first time. */
  async ensureChild(sessionId: string, key: string, fromCommit: string): Promise<{ workdir: string; branch: string }> {
    const workdir = this.childPath(sessionId, key);
    const branch = this.childBranch(sessionId, key);
    if (!(await pathExists(path.join(workdir, '.git', 'HEAD')))) {
      const kept = await this.vaultCommit(sessionId, `refs/heads/${branch}`);
      await this.cloneAt(workdir, await this.ensureVault(sessionId), kept ?? fromCommit, branch);
    } else await excludeWriteTemps(workdir);
    return { workdir, branch };
  }

  /** Names of this session's child repositories found on disk (after a restart nothing is in memory). */
  async childKeys(sessionId: string): Promise<string[]> {
    const prefix = `${sessionId}-child-`;
    const names = await readdir(path.join(this.options.storageDir, 'repos')).catch(() => [] as string[]);
    return names
      .filter((n) => n.startsWith(prefix) && !n.includes('.broken-') && !n.includes('.making'))
      .map((n) => n.slice(prefix.length));
  }

  /** Removes everything of the session: repositories, clean rooms, children, vault, homes, record. */
  async remove(sessionId: string): Promise<void> {
    await this.serialize(sessionId, async () => {
      const repos = path.join(this.options.storageDir, 'repos');
      const names = await readdir(repos).catch(() => [] as string[]);
      for (const name of names) {
        if (
          name === sessionId ||
          name.startsWith(`${sessionId}-clean-`) ||
          name.startsWith(`${sessionId}-child-`) ||
          name.startsWith(`${sessionId}.`)
        ) {
          await rm(path.join(repos, name), { recursive: true, force: true });
        }
      }
      await rm(this.vaultPath(sessionId), { recursive: true, force: true });
      await rm(path.join(this.options.storageDir, 'homes', safeName('session id', sessionId)), {
        recursive: true,
        force: true,
      });
      await rm(this.recordFile(sessionId), { force: true });
    });
  }
}
