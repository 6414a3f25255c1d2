// A new session on the platform and its local side under one id: the agents synced, the session created
// with its task as the initial `user.message` (a session never exists without its task), and the local log
// opened with the Coordinator's thread and the configuration the gate and every view read.
import type { Anthropic } from '@anthropic-ai/sdk';
import type { SessionCreateParams } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import { AgentOsError } from '../../core/errors.ts';
import type { HarnessAgent } from '../../core/harness/harnessAgent.ts';
import { inSandbox } from '../../core/harness/sandboxedAgent.ts';
import type { SessionLog } from '../../core/harness/sessionLog.ts';
import { COORDINATOR } from '../../core/pipeline/roles.ts';
import type { StartSessionRequest } from '../../core/runtime/sessionService.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import type { AgentOsRuntimeOptions } from '../runtime/runtimeOptions.ts';
import { openSessionLog } from '../runtime/sessionLogOpening.ts';
import { describeTask } from '../runtime/taskSource.ts';
import { syncAgents } from './agentSync.ts';
import type { ManagedStateFile } from './managedState.ts';
import { platformError } from './platformErrors.ts';
import { REPOSITORY_METADATA_KEY } from './sandboxTools.ts';

export interface PlatformSessionOptions extends Omit<AgentOsRuntimeOptions, 'model' | 'onTextDelta'> {
  client: Anthropic;
  state: ManagedStateFile;
}

export interface StartedPlatformSession {
  meta: SessionMeta;
  log: SessionLog;
  agents: Map<string, HarnessAgent>;
}

export async function startPlatformSession(
  options: PlatformSessionOptions,
  environmentId: () => Promise<string>,
  request: StartSessionRequest,
): Promise<StartedPlatformSession> {
  const { client, settings } = options;
  const task = await describeTask(options.tasks, request);
  const catalog = options.agents(request.repository);
  const versions = await catalog.pinVersions(COORDINATOR);
  const loaded = await catalog.load(versions);
  if (settings.budget?.maxTokens !== undefined) {
    throw new AgentOsError(
      'INVALID_ARGUMENT',
      'the platform budgets sessions in dollars only; use --budget-usd (or the local backend for a token budget)',
    );
  }
  const sandbox = await options.sandboxes(request.repository).describe();
  // Where the worker's sandbox confines nothing, the platform asks the person before each of a writer's
  // commands (its bash is always_ask) and a reader has none, as in local mode: the agents are synced so.
  // (Tests of the backend's mechanics on a machine where nothing confines pass trustUnconfinedCommands, as
  // the local runtime's do; no entry point sets it.)
  const placed =
    sandbox.confined || options.trustUnconfinedCommands
      ? loaded
      : new Map([...loaded].map(([name, agent]) => [name, inSandbox(agent, false)] as const));
  const synced = await syncAgents({
    client,
    state: options.state,
    agents: placed,
    primary: COORDINATOR,
    maxStepAttempts: settings.stepAttempts,
  });
  const environment = await environmentId();
  const coordinator = synced.byName[COORDINATOR] as { id: string; version: number };
  const maxUsd = settings.budget?.maxUsd;
  const params: SessionCreateParams = {
    agent: { type: 'agent', id: coordinator.id, version: coordinator.version },
    environment_id: environment,
    title: task.title,
    metadata: { [REPOSITORY_METADATA_KEY]: request.repository, agent_os_source: task.source.slice(0, 500) },
    initial_events: [{ type: 'user.message', content: [{ type: 'text', text: task.prompt }] }],
    ...(maxUsd !== undefined
      ? {
          budget: {
            type: 'limit',
            max_list_cost: { amount: String(Math.max(1, Math.round(maxUsd * 100))), currency: 'USD' },
          },
        }
      : {}),
  };
  let platformSession: Awaited<ReturnType<Anthropic['beta']['sessions']['create']>>;
  let primary: string | undefined;
  try {
    platformSession = await client.beta.sessions.create(params);
    for await (const thread of client.beta.sessions.threads.list(platformSession.id)) {
      if (thread.parent_thread_id === null) primary = thread.id;
    }
  } catch (error) {
    throw platformError(error, 'creating the session on the platform');
  }
  if (!primary)
    throw new AgentOsError('PLATFORM_FAILED', `platform session ${platformSession.id} has no primary thread`);
  // One id on both sides: the platform's session is the local session.
  const meta = await options.store.create({
    id: platformSession.id,
    title: task.title,
    source: task.source,
    repository: request.repository,
    metadata: { primary_agent: COORDINATOR, backend: 'managed', environment_id: environment },
  });
  const log = await openSessionLog(options, meta.id);
  await log.appendMany([
    {
      type: 'session.thread_created',
      thread: primary,
      session_thread_id: primary,
      agent_name: COORDINATOR,
      agent_version: versions[COORDINATOR] as number,
      parent_thread_id: null,
    },
    {
      type: 'agent_os.session_configured',
      thread: primary,
      agent_versions: versions,
      sandbox: { ...sandbox, detail: `${sandbox.detail}; run by the self-hosted environment's worker` },
      ...(maxUsd !== undefined ? { budget: { max_usd: maxUsd } } : {}),
    },
  ]);
  return { meta, log, agents: placed };
}
