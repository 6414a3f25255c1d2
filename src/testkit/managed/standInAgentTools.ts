// What the stand-in platform offers an agent's model, read from the agent resource as the platform
// resolves it: the enabled built-in tools (agent_toolset_20260401 with its default and per-tool configs),
// its custom tools, and — for a coordinator with a roster — the injected delegation tool; and each
// built-in call's evaluated permission (allow / ask / deny).
import type { BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents';
import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import { builtinToolSpecs } from '../../core/tools/builtinTools.ts';
import type { BuiltinToolName } from '../../core/tools/toolConfig.ts';

/** The coordinator's delegation tool, injected by the platform for agents with a roster. */
export const STAND_IN_DELEGATION_TOOL = 'send_to_agent';

export function toolsFor(agent: BetaManagedAgentsAgent): Tool[] {
  const tools: Tool[] = [];
  for (const spec of builtinToolSpecs(enabledBuiltins(agent)))
    tools.push({ name: spec.name, description: spec.description, input_schema: spec.input_schema });
  for (const t of agent.tools) {
    if (t.type === 'custom')
      tools.push({ name: t.name, description: t.description, input_schema: t.input_schema as Tool['input_schema'] });
  }
  const roster = rosterOf(agent);
  if (roster.length > 0) {
    tools.push({
      name: STAND_IN_DELEGATION_TOOL,
      description:
        'Hand a task to one of your sub-agents and receive its reply. A sub-agent keeps its thread between calls.',
      input_schema: {
        type: 'object',
        properties: {
          agent_name: { type: 'string', enum: roster.map((a) => a.name) },
          message: { type: 'string' },
          thread_key: { type: 'string' },
        },
        required: ['agent_name', 'message'],
      },
    });
  }
  return tools;
}

/** The resolved roster of a coordinator agent (snapshot entries carry full agents). */
export function rosterOf(agent: BetaManagedAgentsAgent): BetaManagedAgentsAgent[] {
  const multi = agent.multiagent as { type?: string; agents?: unknown[] } | null;
  if (!multi || multi.type !== 'coordinator' || !Array.isArray(multi.agents)) return [];
  return multi.agents.filter(
    (a): a is BetaManagedAgentsAgent =>
      typeof a === 'object' && a !== null && (a as { type?: string }).type === 'agent' && 'name' in a,
  );
}

function toolsetOf(agent: BetaManagedAgentsAgent):
  | {
      default_config?: { enabled?: boolean; permission_policy?: { type: string } };
      configs?: { name: string; enabled?: boolean; permission_policy?: { type: string } }[];
    }
  | undefined {
  return agent.tools.find((t) => t.type === 'agent_toolset_20260401') as ReturnType<typeof toolsetOf>;
}

function enabledBuiltins(agent: BetaManagedAgentsAgent): BuiltinToolName[] {
  const set = toolsetOf(agent);
  if (!set) return [];
  return (['bash', 'read', 'write', 'edit', 'glob', 'grep'] as const).filter((name) => {
    const own = set.configs?.find((c) => c.name === name);
    return own?.enabled ?? set.default_config?.enabled ?? true;
  });
}

export function permissionOf(agent: BetaManagedAgentsAgent, name: BuiltinToolName): 'allow' | 'ask' | 'deny' {
  if (!enabledBuiltins(agent).includes(name)) return 'deny';
  const set = toolsetOf(agent);
  const policy =
    set?.configs?.find((c) => c.name === name)?.permission_policy?.type ??
    set?.default_config?.permission_policy?.type ??
    'always_allow';
  return policy === 'always_ask' ? 'ask' : 'allow';
}
