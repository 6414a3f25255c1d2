// What the harness needs to know of an agent to run one of its threads. Built from an agent
// definition (src/core/agents) at the version the session recorded.
import type { SandboxAccess } from '../sandbox/sandbox.ts';
import type { ResolvedToolConfig } from '../tools/toolConfig.ts';

export interface HarnessAgent {
  name: string;
  version: number;
  model: string;
  maxTokens: number;
  system: string;
  tools: readonly ResolvedToolConfig[];
  /** Agents this one may delegate to (its `send_to_agent` tool lists them). */
  callableAgents: readonly string[];
  /** Whether its commands may use the network. */
  network: boolean;
  /** Read-only agents get a sandbox whose commands cannot change the session's worktree. */
  access: SandboxAccess;
  /** Claude Code's `maxTurns`: model turns a thread may take on one task before the runtime stops it. */
  maxTurns?: number;
  /** Set by the harness when the thread's sandbox confines nothing (its tools then follow unconfinedTools). */
  unconfined?: boolean;
}
