// What the harness is built from: the log, the model, the sandboxes, the agents, and the runtime's rules
// (budget, delegation depth, supervision, secrets). The runtime assembles it (src/node/runtime/harnessAssembly.ts).
import type { ModelClient, ModelResponse, ToolSpec } from '../model/modelClient.ts';
import type { ThreadSandboxPort } from '../sandbox/sessionSandboxes.ts';
import type { BudgetLimits } from './budget.ts';
import type { HarnessAgent } from './harnessAgent.ts';
import type { LoopLimits } from './runaway.ts';
import type { SessionLog } from './sessionLog.ts';
import type { ThreadResultHook } from './threadResultHook.ts';

export interface HarnessOptions {
  log: SessionLog;
  model: ModelClient;
  /** The sandbox port: each thread's sandbox, and which files it holds (chosen once, recorded in the log). */
  sandboxes: ThreadSandboxPort;
  /** The agent a thread runs, at the version the session recorded. */
  agent(name: string): HarnessAgent | undefined;
  /** Specs of the built-in tools, for the model. */
  toolSpecs(names: readonly string[]): ToolSpec[];
  /** List price of one request in US dollars. */
  priceOf(model: string, usage: ModelResponse['usage']): number;
  budget?: BudgetLimits;
  /** How many levels of delegation below the primary thread are allowed (1 = platform default). */
  maxDelegationDepth?: number;
  onThreadResult?: ThreadResultHook;
  /** Live text of model turns, for displays; never needed for correctness. */
  onTextDelta?(threadId: string, text: string): void;
  /** Bound on correction rounds for a malformed structured result before it is reported. */
  maxCorrections?: number;
  /** Whether the pipeline's Reviewer works in a clean room at the commit under review (roles.ts); a thread
   * keeps the workspace it was first given, whatever this says later. */
  cleanRoomReview?: boolean;
  /** Tests of harness mechanics on a machine where nothing confines: no consent per command (see
   * AgentOsRuntimeOptions.trustUnconfinedCommands). Never set by an entry point. */
  trustUnconfinedCommands?: boolean;
  /** Secret values the runtime holds (API key, GitHub token, configured secrets): replaced in tool
   * results before the model or the log sees them, and in live text. */
  secrets?: readonly string[];
  /** The runtime's supervision: plan steps validated by the runtime, loop limits. Absent: neither. */
  supervision?: SupervisionOptions;
  /** Context the runtime adds to an agent's system prompt, read from the session's log (so the same on
   * every request and every wake): project memory, the repository's test command. */
  systemContext?(agentName: string): string | undefined;
  /** Milliseconds, for the duration of the runtime's own runs. */
  now?(): number;
}

export interface SupervisionOptions {
  /** Whether an agent reports plan steps with `complete_step` (the pipeline's Coder). */
  completesSteps(agentName: string): boolean;
  maxStepAttempts: number;
  loopLimits: LoopLimits;
  /** Compact a thread whose context (estimated) passes this many tokens. */
  compactAboveTokens?: number;
}
