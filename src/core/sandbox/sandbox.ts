// The Sandbox port: where an agent's tools run. Implementations live in src/node/sandbox
// (the OS sandbox, a dev container, or nothing that confines). The harness only ever calls `runTool`.

/** `os`: sandbox-runtime's OS-level sandbox; `worktree`: unconfined (commands ask the person first);
 * `bubblewrap` is how sessions before the OS sandbox recorded it. */
export type SandboxKind = 'worktree' | 'os' | 'bubblewrap' | 'devcontainer';

/** What the agent may do to the files: writers change the session's worktree; readers never can. */
export type SandboxAccess = 'read_write' | 'read_only';

export interface ToolCall {
  name: string;
  input: unknown;
}

export interface ToolOutcome {
  /** Text the model receives as the tool result. */
  content: string;
  is_error: boolean;
}

export interface SandboxInfo {
  /** Stable id, recorded on each `agent.tool_use` it serves. */
  id: string;
  kind: SandboxKind;
  /** False when commands run unconfined (no OS sandbox, no container): the UI says so, and every
   * command then needs the person's consent. */
  confined: boolean;
  /** One line for people: why this kind, what is confined. */
  detail: string;
  /** Host path of the files the agent works on. */
  workdir: string;
  access: SandboxAccess;
  network: boolean;
}

export interface Sandbox extends SandboxInfo {
  runTool(call: ToolCall, options: { signal?: AbortSignal }): Promise<ToolOutcome>;
  /** Stops shells and processes of this sandbox; the files stay. */
  dispose(): Promise<void>;
}

/** Which files a thread's sandbox holds. Most threads share the session's worktree; a session can also
 * use several sandboxes at once. */
export type SandboxWorkspace =
  /** The session's worktree (read-only agents get a snapshot of it). */
  | { kind: 'session' }
  /** A throw-away checkout of one commit and nothing else: a Reviewer's verdict then cannot rest on
   * files the Coder left uncommitted. */
  | { kind: 'clean_room'; commit: string }
  /** Its own worktree on its own branch from the session branch, merged back when the thread is done
   * (parallel Coders). */
  | { kind: 'child'; key: string };

export interface SandboxRequest {
  sessionId: string;
  threadId: string;
  /** Default: the session's worktree. */
  workspace?: SandboxWorkspace;
  access: SandboxAccess;
  network: boolean;
  /** With `network`: the domains reachable (through the OS sandbox's proxy); any when omitted. */
  allowedDomains?: readonly string[];
  /** Tools the agent's configuration enables; others are refused by the sandbox too. */
  enabledTools: readonly string[];
}

export interface SandboxProvider {
  /** Opens the thread's sandbox, making the session's worktree on first use and re-making it from its
   * branch if it went missing (wake after a crash). */
  open(request: SandboxRequest): Promise<Sandbox>;
  /** Removes everything the session's sandboxes hold on the machine (worktrees, containers). */
  removeSession(sessionId: string): Promise<void>;
}
