// Builds the harness for one run of a session: the agents at the versions the session pinned, its
// sandboxes of the kind it recorded, the pipeline's checks, and where each role's tools work.
import { StateCorruptError } from '../../core/errors.ts';
import { Harness } from '../../core/harness/harness.ts';
import type { SessionLog } from '../../core/harness/sessionLog.ts';
import { agentContext } from '../../core/pipeline/agentContext.ts';
import { roleRules } from '../../core/pipeline/roles.ts';
import { forkNoteInLog } from '../../core/pipeline/sessionFork.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import { builtinToolSpecs } from '../../core/tools/builtinTools.ts';
import type { BuiltinToolName } from '../../core/tools/toolConfig.ts';
import { readyEventOf, sessionTestCommand } from '../environment/sessionEnvironment.ts';
import { pipelineResultHook } from '../pipeline/pipelineResultHook.ts';
import type { AgentOsRuntimeOptions } from './runtimeOptions.ts';

export function repositoryOf(meta: SessionMeta): string {
  if (!meta.repository) throw new StateCorruptError(`session ${meta.id} has no repository`);
  return meta.repository;
}

export async function assembleHarness(
  options: AgentOsRuntimeOptions,
  meta: SessionMeta,
  log: SessionLog,
): Promise<Harness> {
  const repository = repositoryOf(meta);
  const configured = log.state.configured;
  if (!configured) throw new StateCorruptError(`session ${meta.id} has no configuration event`);
  const agents = await options.agents(repository).load(configured.agent_versions);
  const kindSandboxes = options.sandboxes(repository, configured.sandbox.kind);
  const sandboxes =
    options.environment?.wrap(kindSandboxes, repository, meta.id, () => readyEventOf(log)) ?? kindSandboxes;
  const { settings } = options;
  const completesSteps = (name: string): boolean => roleRules(name).result === 'work';
  // From the fold, never the log: the memory and the preferences are pinned at the start, the fork's note is
  // in its first events, and the test command is set before any agent runs. Built once per agent and run.
  const fork = await forkNoteInLog(options.store, meta.id, log.state.forked);
  const contexts = new Map<string, string | undefined>();
  const systemContext = (agentName: string): string | undefined => {
    if (!contexts.has(agentName)) {
      const { projectMemory: memory, preferences } = log.state;
      const testCommand = sessionTestCommand(log);
      contexts.set(
        agentName,
        agentContext({
          agentName,
          ...(memory ? { memory } : {}),
          ...(preferences ? { preferences } : {}),
          ...(testCommand ? { testCommand } : {}),
          completesSteps: completesSteps(agentName),
          maxStepAttempts: settings.stepAttempts,
          ...(fork ? { forkNote: fork } : {}),
        }),
      );
    }
    return contexts.get(agentName);
  };
  return new Harness({
    log,
    model: options.model,
    sandboxes,
    agent: (name) => agents.get(name),
    toolSpecs: (names) => builtinToolSpecs(names as BuiltinToolName[]),
    priceOf: options.priceOf,
    ...(settings.budget ? { budget: settings.budget } : {}),
    maxDelegationDepth: settings.delegationDepth,
    maxCorrections: settings.maxCorrections,
    supervision: {
      completesSteps,
      maxStepAttempts: settings.stepAttempts,
      loopLimits: settings.loopLimits,
      compactAboveTokens: settings.compactAboveTokens,
    },
    systemContext,
    onThreadResult: pipelineResultHook({
      supervision: {
        maxStepAttempts: settings.stepAttempts,
        testCommand: () => sessionTestCommand(log),
        questions: settings.questions,
      },
      sessionId: meta.id,
      sandboxes,
      maxReviewRounds: settings.reviewRounds,
      checkpointCoderWork: settings.cleanRoomReview,
    }),
    cleanRoomReview: settings.cleanRoomReview,
    onTextDelta: (threadId, text) => options.onTextDelta?.(meta.id, threadId, text),
    ...(options.trustUnconfinedCommands ? { trustUnconfinedCommands: true } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
}
