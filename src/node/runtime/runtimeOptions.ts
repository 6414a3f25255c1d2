// What the runtime is built from: the store, the model, sandboxes, agents, GitHub, and its settings.
import type { BudgetLimits } from '../../core/harness/budget.ts';
import { DEFAULT_LOOP_LIMITS, type LoopLimits } from '../../core/harness/runaway.ts';
import { DEFAULT_QUESTION_POLICY, type QuestionPolicy } from '../../core/pipeline/planQuestions.ts';
import { DEFAULT_STEP_ATTEMPTS } from '../../core/pipeline/planSteps.ts';
import type { ModelClient, ModelResponse } from '../../core/model/modelClient.ts';
import type { SessionStore } from '../../core/session/sessionStore.ts';
import type { SessionEnvironment } from '../environment/sessionEnvironment.ts';
import type { PreferenceStore } from '../preferences/preferenceStore.ts';
import type { PullRequestTarget } from '../pipeline/pullRequestStep.ts';
import type { AgentCatalog } from './agentCatalog.ts';
import type { SessionSandboxes } from '../../core/sandbox/sessionSandboxes.ts';
import type { TaskSource } from './taskSource.ts';

export interface RuntimeSettings {
  reviewRounds: number;
  delegationDepth: number;
  budget?: BudgetLimits;
  maxCorrections: number;
  /** The Coder's work is committed when it hands back, and the Reviewer tests a clean checkout of that
   * commit (where the sandbox supports it) instead of the Coder's worktree. */
  cleanRoomReview: boolean;
  /** Runs of a plan step's validation before the step fails and the Coder stops. */
  stepAttempts: number;
  /** When a thread is stopped as a runaway (turns with the same calls; turns with no new call). */
  loopLimits: LoopLimits;
  /** When a plan waits for the person's answers before the Coder starts. */
  questions: QuestionPolicy;
  /** Compact a thread's context past this many tokens (estimated), below the models' 200k window. */
  compactAboveTokens: number;
  /** Learn preferences from the corrections (a model call after a Request Changes and when a run stops for the person). */
  learnPreferences: boolean;
}

export const DEFAULT_RUNTIME_SETTINGS: RuntimeSettings = {
  reviewRounds: 3,
  delegationDepth: 1,
  maxCorrections: 3,
  cleanRoomReview: true,
  stepAttempts: DEFAULT_STEP_ATTEMPTS,
  loopLimits: DEFAULT_LOOP_LIMITS,
  questions: DEFAULT_QUESTION_POLICY,
  compactAboveTokens: 150_000,
  learnPreferences: false,
};

export interface AgentOsRuntimeOptions {
  store: SessionStore;
  model: ModelClient;
  /** The sandboxes (and worktree) of sessions on one repository: of the kind a session recorded, or,
   * for a new session, the kind chosen now. */
  sandboxes(repository: string, kind?: string): SessionSandboxes;
  /** The agents defined for one repository (built-ins, `.agents/`, `.claude/agents/`), with versions. */
  agents(repository: string): AgentCatalog;
  tasks: TaskSource;
  /** Where approved work goes; absent when the runtime cannot open pull requests (then approval fails clearly). */
  pullRequests?(repository: string): Promise<PullRequestTarget>;
  settings: RuntimeSettings;
  priceOf(model: string, usage: ModelResponse['usage']): number;
  /** Whether a model has a list price: a dollar budget cannot be held for one that has none. */
  isPriced?(model: string): boolean;
  onTextDelta?(sessionId: string, threadId: string, text: string): void;
  /** What the person should know about a session as its writer opens, long before it matters (its log near
   * the size a session may hold): said once per opening, before anything is appended. */
  onSessionWarning?(sessionId: string, message: string): void;
  /** The repositories' preference documents (absent: none are kept or given). */
  preferences?: PreferenceStore;
  /** The set-up phase (dependencies, toolchain) run before the agents of each session; absent: none. */
  environment?: SessionEnvironment;
  /** Tests of harness mechanics only (retries, budgets, interrupts, the pipeline) on a machine where
   * nothing confines: commands then run as their agents are configured instead of asking per command.
   * No entry point sets it (test/lint/unconfinedConsent.test.ts checks), and no agent file can. */
  trustUnconfinedCommands?: boolean;
  /** Secret values the runtime holds (API key, GitHub token, configured secrets): redacted from tool
   * results before the model or the log sees them. */
  secrets?: readonly string[];
}
