// The worktree sandbox: each session works in a scratch git worktree on its own branch `agent-os/<id>`,
// kept in the storage folder. Writers work in that worktree; read-only agents in a separate snapshot of it,
// refreshed each time their sandbox opens, so nothing they do reaches the writers' files. With bubblewrap
// the shell is also confined (see bubblewrapPlan.ts); without it the sandbox says it is unconfined.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { AgentOsError } from '../../core/errors.ts';
import type { Sandbox, SandboxProvider, SandboxRequest } from '../../core/sandbox/sandbox.ts';
import { InvalidArgumentError } from '../../core/errors.ts';
import { agentOsIdentity } from '../git/gitClient.ts';
import { BashSession } from '../tools/bashSession.ts';
import { createFileTools } from '../tools/fileTools.ts';
import { bubblewrapArgs, probeBubblewrap, type BubblewrapProbe } from './bubblewrap.ts';
import { worktreeBubblewrapPlan } from './bubblewrapPlan.ts';
import { scrubbedEnv } from './scrubbedEnv.ts';
import { killStrayProcesses } from './strayProcesses.ts';
import { deleteBranch, ensureWorktree, gitPaths, refreshSnapshot, removeWorktree, type WorktreeStatus } from './sessionWorktree.ts';
import { createToolSandbox } from './toolSandbox.ts';

export interface WorktreeSandboxProviderOptions {
  /** Folder for worktrees, snapshots, scratch homes and records (e.g. the workspace storage). */
  storageDir: string;
  /** The person's repository the worktrees are made from. */
  repository: string;
  /** Where a new session's branch starts; the repository's HEAD when omitted. */
  baseRef?: string;
  /** `auto`: confine with bubblewrap when it works here. `off`: act as if it were not installed. */
  bubblewrap?: 'auto' | 'off';
  bashDefaultTimeoutMs?: number;
  bashOutputLimit?: number;
}

export interface RemoveSessionOptions {
  /** Also delete the branch `agent-os/<id>`. Off by default: a pushed pull request still needs it. */
  deleteBranch?: boolean;
}

export const sessionBranch = (sessionId: string): string => `agent-os/${sessionId}`;

/** Session and thread ids become folder names; anything else is refused rather than escaped. */
function safeName(kind: string, value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value) || value.includes('..')) {
    throw new InvalidArgumentError(`${kind} ${JSON.stringify(value)} cannot name a folder`);
  }
  return value;
}

export class WorktreeSandboxProvider implements SandboxProvider {
  private probe: Promise<BubblewrapProbe> | undefined;
  /** Sessions' worktree work is serialized: two threads opening at once must not both make it. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly open_ = new Map<string, Set<Sandbox>>();
  /** Shells of sandboxes open in this process: never taken for strays of a killed predecessor. */
  private readonly shells = new Set<BashSession>();
  /** What the last open found, for the UI and for tests (`recreated` after a crash). */
  readonly lastStatus = new Map<string, WorktreeStatus>();

  constructor(private readonly options: WorktreeSandboxProviderOptions) {}

  /** Whether commands will run under bubblewrap here, and why not if they won't. */
  bubblewrap(): Promise<BubblewrapProbe> {
    if (this.options.bubblewrap === 'off') return Promise.resolve({ available: false, reason: 'bubblewrap turned off' });
    this.probe ??= probeBubblewrap();
    return this.probe;
  }

  worktreePath(sessionId: string): string {
    return path.join(this.options.storageDir, 'worktrees', safeName('session id', sessionId));
  }

  private snapshotPath(sessionId: string, threadId: string): string {
    return path.join(this.options.storageDir, 'snapshots', safeName('session id', sessionId), safeName('thread id', threadId));
  }

  private recordFile(sessionId: string): string {
    return path.join(this.options.storageDir, 'records', `${safeName('session id', sessionId)}.json`);
  }

  private serialize<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(sessionId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => {});
    this.locks.set(sessionId, settled);
    void settled.then(() => {
      if (this.locks.get(sessionId) === settled) this.locks.delete(sessionId);
    });
    return next;
  }

  /** Makes (or re-makes) the session's worktree; also used by the harness to learn the base commit.
   * `baseRef` (e.g. the target branch) counts only when the session has no worktree yet. */
  ensureWorktree(
    sessionId: string,
    options: { baseRef?: string } = {},
  ): Promise<{ worktree: string; branch: string; baseCommit: string; status: WorktreeStatus }> {
    const baseRef = options.baseRef ?? this.options.baseRef;
    return this.serialize(sessionId, async () => {
      const result = await ensureWorktree({
        repository: this.options.repository,
        sessionId,
        branch: sessionBranch(sessionId),
        worktree: this.worktreePath(sessionId),
        recordFile: this.recordFile(sessionId),
        ...(baseRef !== undefined ? { baseRef } : {}),
      });
      this.lastStatus.set(sessionId, result.status);
      return { worktree: result.worktree, branch: result.branch, baseCommit: result.baseCommit, status: result.status };
    });
  }

  /** Where a thread works: the session worktree, or a reader's snapshot of it. Clean rooms and child
   * worktrees are sessions of their own to this provider (see sessionSandboxes.ts), never a request's
   * workspace here. */
  private async workdirFor(
    request: SandboxRequest,
  ): Promise<{ workdir: string; readOnly: boolean; /** may write git objects and its branch */ writable: boolean; branch: string; id: string; what: string }> {
    const { sessionId, threadId } = request;
    if (request.workspace && request.workspace.kind !== 'session') {
      throw new AgentOsError('INVALID_ARGUMENT', `the worktree provider opens only the session's own worktree, not a ${request.workspace.kind}`);
    }
    const { worktree, branch } = await this.ensureWorktree(sessionId);
    const readOnly = request.access === 'read_only';
    const workdir = readOnly ? this.snapshotPath(sessionId, threadId) : worktree;
    if (readOnly) await this.serialize(sessionId, () => refreshSnapshot(worktree, workdir));
    return {
      workdir,
      readOnly,
      writable: !readOnly,
      branch,
      id: `worktree:${sessionId}:${threadId}`,
      what: readOnly ? 'a throw-away snapshot of the worktree' : 'the worktree',
    };
  }

  async open(request: SandboxRequest): Promise<Sandbox> {
    const { sessionId, threadId } = request;
    const { workdir, readOnly, writable, branch, id, what } = await this.workdirFor(request);

    const bwrap = await this.bubblewrap();
    const home = path.join(this.options.storageDir, 'homes', safeName('session id', sessionId), safeName('thread id', threadId));
    const gitIdentity = {
      GIT_AUTHOR_NAME: agentOsIdentity.name,
      GIT_AUTHOR_EMAIL: agentOsIdentity.email,
      GIT_COMMITTER_NAME: agentOsIdentity.name,
      GIT_COMMITTER_EMAIL: agentOsIdentity.email,
    };
    let spawnShell: () => ChildProcessWithoutNullStreams;
    let detail: string;
    if (bwrap.available && bwrap.path) {
      const git = await gitPaths(workdir);
      const plan = await worktreeBubblewrapPlan({
        workdir,
        git,
        writer: writable,
        branch,
        network: request.network,
        env: scrubbedEnv({ home: '/tmp/home', extra: gitIdentity }),
      });
      const args = [...bubblewrapArgs(plan), '/bin/bash', '--noprofile', '--norc'];
      const binary = bwrap.path;
      spawnShell = () =>
        spawn(binary, args, { cwd: workdir, detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
      detail =
        `bubblewrap: file system read-only except ${what}; ` +
        `git hooks and config read-only; network ${request.network ? 'on' : 'off'}; scrubbed environment`;
    } else {
      await mkdir(home, { recursive: true });
      const live = new Set([...this.shells].map((shell) => shell.pid).filter((pid): pid is number => pid !== undefined));
      await killStrayProcesses(home, live);
      const env = scrubbedEnv({ home, extra: gitIdentity });
      spawnShell = () => spawn('/bin/bash', ['--noprofile', '--norc'], { cwd: workdir, detached: true, stdio: ['pipe', 'pipe', 'pipe'], env });
      detail =
        `unconfined: ${bwrap.reason ?? 'bubblewrap not available'}; commands run as you with a scrubbed environment` +
        `, in ${what}` +
        (request.network ? '' : '; network cannot be turned off');
    }

    const bash = new BashSession({
      spawn: spawnShell,
      ...(this.options.bashDefaultTimeoutMs !== undefined ? { defaultTimeoutMs: this.options.bashDefaultTimeoutMs } : {}),
      ...(this.options.bashOutputLimit !== undefined ? { outputLimit: this.options.bashOutputLimit } : {}),
    });
    this.shells.add(bash);
    const confined = bwrap.available;
    const sandbox = createToolSandbox({
      info: {
        id,
        kind: confined ? 'bubblewrap' : 'worktree',
        confined,
        detail,
        workdir,
        access: request.access,
        network: confined ? request.network : true,
      },
      enabledTools: request.enabledTools,
      files: createFileTools({ root: workdir, readOnly }),
      bash,
      onDispose: () => {
        this.shells.delete(bash);
        this.open_.get(sessionId)?.delete(sandbox);
      },
    });
    let set = this.open_.get(sessionId);
    if (!set) this.open_.set(sessionId, (set = new Set()));
    set.add(sandbox);
    return sandbox;
  }

  async removeSession(sessionId: string, options: RemoveSessionOptions = {}): Promise<void> {
    for (const sandbox of [...(this.open_.get(sessionId) ?? [])]) await sandbox.dispose();
    this.open_.delete(sessionId);
    await this.serialize(sessionId, async () => {
      const repository = this.options.repository;
      const snapshots = path.join(this.options.storageDir, 'snapshots', safeName('session id', sessionId));
      const threads = await readdir(snapshots).catch(() => [] as string[]);
      for (const thread of threads) await removeWorktree(repository, path.join(snapshots, thread));
      await rm(snapshots, { recursive: true, force: true });
      await removeWorktree(repository, this.worktreePath(sessionId));
      await rm(path.join(this.options.storageDir, 'homes', safeName('session id', sessionId)), { recursive: true, force: true });
      if (options.deleteBranch) {
        await deleteBranch(repository, sessionBranch(sessionId));
        await rm(this.recordFile(sessionId), { force: true });
      }
    });
  }
}
