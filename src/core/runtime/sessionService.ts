// What a front end (the VS Code extension, the CLI) asks of the Agent OS runtime. The implementation
// wires the store, harness, sandboxes and GitHub together (src/node/runtime); front ends only call
// this and subscribe to the session log.
import type { SessionMeta } from '../session/sessionStore.ts';

export interface StartSessionRequest {
  /** false: the person marked this session as not to learn preferences from. */
  learn?: boolean;
  /** A GitHub issue: URL, `owner/repo#n`; or absent when `task` is given. */
  issue?: string;
  /** A task typed by the user, instead of an issue. */
  task?: string;
  /** The local git repository (main checkout) to work on. */
  repository: string;
}

export interface SessionChanges {
  baseCommit: string;
  headCommit: string;
  /** The session's repository (the agents' files). */
  worktree: string;
  /** A git directory holding both sides (the session's vault): a diff view reads from it, not from the
   * agents' files. `filesCommit` is the files as they are, committed or not. */
  gitDir?: string;
  filesCommit?: string;
  files: { path: string; status: 'added' | 'modified' | 'deleted' | 'renamed' }[];
}

export interface SessionService {
  /** Creates the session and starts running it; resolves with its id as soon as it exists. */
  start(request: StartSessionRequest): Promise<SessionMeta>;
  /** Wakes a session from its log and runs it until it stops (idle, requires_action, terminated). */
  resume(sessionId: string): Promise<void>;
  /** Stops running turns of one thread, or of the whole session. */
  interrupt(sessionId: string, threadId?: string): Promise<void>;
  /** Answers an `always_ask` tool call. */
  confirmTool(sessionId: string, toolUseEventId: string, allow: boolean, denyMessage?: string): Promise<void>;
  /** Answers the Planner's questions (`agent_os.questions_asked`), one answer per question, and runs on.
   * Optional: a backend that cannot ask (managed) has none. */
  answerQuestions?(sessionId: string, questionsEventId: string, answers: readonly string[]): Promise<void>;
  /** The person approves the Reviewer's verdict: commit, push, open the pull request. */
  approve(sessionId: string, verdictEventId: string): Promise<void>;
  /** The person asks for changes: the feedback goes to the Coder thread and the session runs on. */
  requestChanges(sessionId: string, verdictEventId: string, feedback: string): Promise<void>;
  /** A new session from one of this one's events (an event id, or a seq): its log up to that event, its files at
   * the commit recorded there. Not started: resume it to run on. Optional: a backend whose loop runs elsewhere
   * (managed) has none. */
  fork?(sessionId: string, at: string): Promise<SessionMeta>;
  changes(sessionId: string): Promise<SessionChanges>;
  delete(sessionId: string): Promise<void>;
  /** Whether a harness in this process is running the session right now. */
  isRunning(sessionId: string): boolean;
}
