// The stand-in platform's agents: each a list of versions (an update makes the next one, guarded by the
// version it expects), a coordinator's `multiagent` roster resolved to pinned references one level deep,
// and the snapshot a session takes (roster entries carrying their full definitions).
import type {
  AgentCreateParams,
  AgentUpdateParams,
  BetaManagedAgentsAgent,
} from '@anthropic-ai/sdk/resources/beta/agents/agents';
import { badRequest, notFound, PlatformHttpError } from './platformHttp.ts';
import { platformId } from './standInThread.ts';

const now = (): string => new Date().toISOString();

export class StandInAgents {
  /** Every version of each agent, oldest first. */
  readonly versions = new Map<string, BetaManagedAgentsAgent[]>();

  create(params: AgentCreateParams): BetaManagedAgentsAgent {
    if (typeof params.name !== 'string' || !params.name) throw badRequest('name: a non-empty string is required');
    if (!params.model) throw badRequest('model: required');
    if ('callable_agents' in params)
      throw badRequest('callable_agents: unknown field; sub-agents are declared in `multiagent`');
    const at = now();
    const agent: BetaManagedAgentsAgent = {
      id: platformId('agent'),
      type: 'agent',
      name: params.name,
      description: params.description ?? null,
      model: typeof params.model === 'string' ? { id: params.model } : { id: params.model.id },
      system: params.system ?? null,
      tools: (params.tools ?? []) as BetaManagedAgentsAgent['tools'],
      mcp_servers: [],
      skills: [],
      multiagent: this.resolveMultiagent(params.multiagent),
      execution_identity: { type: 'service_account' } as BetaManagedAgentsAgent['execution_identity'],
      metadata: params.metadata ?? {},
      version: 1,
      created_at: at,
      updated_at: at,
      archived_at: null,
    };
    this.versions.set(agent.id, [agent]);
    return agent;
  }

  update(id: string, params: AgentUpdateParams): BetaManagedAgentsAgent {
    const latest = this.agentOf(id);
    if (params.version !== undefined && params.version !== latest.version) {
      throw new PlatformHttpError(
        409,
        'conflict_error',
        `agent ${id} is at version ${latest.version}, not ${params.version}`,
      );
    }
    const next: BetaManagedAgentsAgent = {
      ...latest,
      ...(params.name !== undefined ? { name: params.name } : {}),
      ...(params.description !== undefined ? { description: params.description } : {}),
      ...(params.system !== undefined ? { system: params.system } : {}),
      ...(params.model !== undefined
        ? { model: typeof params.model === 'string' ? { id: params.model } : { id: params.model.id } }
        : {}),
      ...(params.tools !== undefined ? { tools: (params.tools ?? []) as BetaManagedAgentsAgent['tools'] } : {}),
      ...(params.multiagent !== undefined ? { multiagent: this.resolveMultiagent(params.multiagent) } : {}),
      metadata: { ...latest.metadata, ...(params.metadata as Record<string, string> | undefined) },
      version: latest.version + 1,
      updated_at: now(),
    };
    this.versions.get(id)?.push(next);
    return next;
  }

  /** Roster entries resolve to `{type:"agent", id, version}`; a roster agent may not have one itself. */
  private resolveMultiagent(multi: AgentCreateParams['multiagent']): BetaManagedAgentsAgent['multiagent'] {
    if (!multi) return null;
    if (multi.type !== 'coordinator')
      throw badRequest(`multiagent.type: the stand-in supports "coordinator" only, got ${JSON.stringify(multi.type)}`);
    if (!Array.isArray(multi.agents) || multi.agents.length === 0 || multi.agents.length > 20)
      throw badRequest('multiagent.agents: 1 to 20 entries');
    const agents = multi.agents.map((entry, i) => {
      const ref =
        typeof entry === 'string'
          ? { id: entry, version: undefined }
          : entry.type === 'agent'
            ? { id: entry.id, version: entry.version ?? undefined }
            : undefined;
      if (!ref) throw badRequest(`multiagent.agents[${i}]: only agent references are supported by the stand-in`);
      const agent = this.agentOf(ref.id, ref.version);
      if (agent.multiagent)
        throw badRequest(`multiagent.agents[${i}]: agent ${ref.id} has a roster of its own (one level of delegation)`);
      return { type: 'agent' as const, id: agent.id, version: agent.version };
    });
    return { type: 'coordinator', agents } as BetaManagedAgentsAgent['multiagent'];
  }

  agentOf(id: string, version?: number): BetaManagedAgentsAgent {
    const versions = this.versions.get(id);
    const agent = version === undefined ? versions?.at(-1) : versions?.find((a) => a.version === version);
    if (!agent) throw notFound(version === undefined ? `agent ${id}` : `agent ${id} version ${version}`);
    return agent;
  }

  /** The agent as a session snapshots it: roster entries carry the full definitions. */
  snapshot(id: string, version?: number): BetaManagedAgentsAgent {
    const agent = this.agentOf(id, version);
    const multi = agent.multiagent as { type: string; agents: { id: string; version: number }[] } | null;
    if (!multi) return agent;
    return {
      ...agent,
      multiagent: {
        type: 'coordinator',
        agents: multi.agents.map((a) => this.agentOf(a.id, a.version)),
      } as unknown as BetaManagedAgentsAgent['multiagent'],
    };
  }
}
