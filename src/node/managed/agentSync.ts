// Syncs Agent OS agents to platform agents: each is created once, and updated to a new platform version
// only when its parameters change (compared by hash with what was last sent). Callees are synced before
// their caller, whose roster then names their exact versions. The result pins the versions a session
// starts with.
import { createHash } from 'node:crypto';
import type { Anthropic } from '@anthropic-ai/sdk';
import type { BetaManagedAgentsAgentParams } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import { canonicalJson } from '../../core/agents/agentDefinition.ts';
import { AgentOsError } from '../../core/errors.ts';
import type { HarnessAgent } from '../../core/harness/harnessAgent.ts';
import { agentCreateParams } from './agentParams.ts';
import type { ManagedStateFile, SyncedAgent } from './managedState.ts';
import { isNotFound, platformError } from './platformErrors.ts';

export interface SyncedAgents {
  /** Agent name → the platform agent and version a session runs. */
  byName: Record<string, SyncedAgent>;
  /** How many create / update requests this sync sent (0 when nothing changed). */
  created: number;
  updated: number;
}

export async function syncAgents(input: {
  client: Anthropic;
  state: ManagedStateFile;
  agents: ReadonlyMap<string, HarnessAgent>;
  primary: string;
  /** Attempts of a plan step's validation, as the Coder is told. */
  maxStepAttempts?: number;
}): Promise<SyncedAgents> {
  const byName: Record<string, SyncedAgent> = {};
  const counts = { created: 0, updated: 0 };
  const visiting = new Set<string>();

  const sync = async (name: string): Promise<SyncedAgent> => {
    const done = byName[name];
    if (done) return done;
    const agent = input.agents.get(name);
    if (!agent) throw new AgentOsError('AGENT_NOT_FOUND', `agent ${name} is not loaded`);
    if (visiting.has(name)) throw new AgentOsError('INVALID_AGENT', `agent ${name} calls itself through its callees`);
    visiting.add(name);
    const roster: BetaManagedAgentsAgentParams[] = [];
    for (const callee of agent.callableAgents) {
      const synced = await sync(callee);
      roster.push({ type: 'agent', id: synced.id, version: synced.version });
    }
    const params = agentCreateParams(agent, roster, input.maxStepAttempts);
    const hash = createHash('sha256').update(canonicalJson(params)).digest('hex');
    const known = (await input.state.read()).agents[name];
    let result: SyncedAgent;
    if (known && known.hash === hash) {
      result = known;
    } else {
      result = await send(known, params, hash);
    }
    await input.state.update((s) => ({ ...s, agents: { ...s.agents, [name]: result } }));
    byName[name] = result;
    return result;
  };

  const send = async (
    known: SyncedAgent | undefined,
    params: ReturnType<typeof agentCreateParams>,
    hash: string,
  ): Promise<SyncedAgent> => {
    try {
      if (known) {
        try {
          // Optimistic concurrency: if someone else changed it since, the 409 says so instead of a silent overwrite.
          const updated = await input.client.beta.agents.update(known.id, { ...params, version: known.version });
          counts.updated++;
          return { id: updated.id, version: updated.version, hash };
        } catch (error) {
          // Archived or deleted on the platform (or another platform's id): make it again.
          if (!isNotFound(error)) throw error;
        }
      }
      const created = await input.client.beta.agents.create(params);
      counts.created++;
      return { id: created.id, version: created.version, hash };
    } catch (error) {
      throw platformError(error, `syncing agent ${params.name}`);
    }
  };

  await sync(input.primary);
  return { byName, ...counts };
}
