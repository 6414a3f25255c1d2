// How an Agent OS agent becomes a platform agent: `agents.create` / `agents.update` parameters typed by
// the SDK itself, so a request the platform would not accept does not compile. The Coordinator's
// callees become the platform's multi-agent roster (`multiagent: {type: "coordinator", agents}`), not
// the research preview's `callable_agents`. The Planner and the Reviewer hand in their plan and verdict
// through custom tools: the platform then waits for Agent OS, which checks them (and holds an APPROVE
// for the person) before the agent goes on — the gate stays on this machine.
import type {
  AgentCreateParams,
  BetaManagedAgentsAgentToolConfigParams,
  BetaManagedAgentsCustomToolParams,
} from '@anthropic-ai/sdk/resources/beta/agents/agents';
import type { BetaManagedAgentsAgentParams } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import type { HarnessAgent } from '../../core/harness/harnessAgent.ts';
import { PLAN_FORMAT } from '../../core/agents/planSchema.ts';
import { VERDICT_FORMAT } from '../../core/agents/verdictSchema.ts';
import { agentContext } from '../../core/pipeline/agentContext.ts';
import { completeStepToolSpec, DEFAULT_STEP_ATTEMPTS } from '../../core/pipeline/planSteps.ts';
import { PLANNER, REVIEWER, roleRules } from '../../core/pipeline/roles.ts';

/** The delegation tool the platform injects into a coordinator with a roster ([SKILL] in docs/reference/managedAgents.md). */
export const PLATFORM_DELEGATION_TOOL = 'send_to_agent';
export const SUBMIT_PLAN_TOOL = 'submit_plan';
export const SUBMIT_VERDICT_TOOL = 'submit_verdict';

/** The custom tool an agent hands its result in with, when the pipeline checks that result. */
export function handInTool(agentName: string): BetaManagedAgentsCustomToolParams | undefined {
  if (agentName === PLANNER) {
    return {
      type: 'custom',
      name: SUBMIT_PLAN_TOOL,
      description: `Hand in the plan. Agent OS validates it and answers "Plan accepted" or with the schema error to fix. The input is the plan:\n${PLAN_FORMAT}`,
      input_schema: {
        type: 'object',
        properties: { summary: { type: 'string' }, steps: { type: 'array' } },
        required: ['summary', 'steps'],
      },
    };
  }
  if (agentName === REVIEWER) {
    return {
      type: 'custom',
      name: SUBMIT_VERDICT_TOOL,
      description: `Hand in the verdict. Agent OS records it with its evidence; an APPROVE waits for the person's decision, which is this tool's result. The input is the verdict:\n${VERDICT_FORMAT}`,
      input_schema: {
        type: 'object',
        properties: {
          decision: { type: 'string', enum: ['APPROVE', 'REJECT'] },
          summary: { type: 'string' },
          fixes: { type: 'array' },
        },
        required: ['decision', 'summary'],
      },
    };
  }
  return undefined;
}

/** The Coder reports plan steps with `complete_step`, a custom tool Agent OS answers with its own run of the
 * step's validation (the same tool, and the same rule in its system prompt, as in local mode). */
function completeStepTool(agentName: string): BetaManagedAgentsCustomToolParams | undefined {
  if (roleRules(agentName).result !== 'work') return undefined;
  const spec = completeStepToolSpec();
  return {
    type: 'custom',
    name: spec.name,
    description: spec.description,
    input_schema: spec.input_schema as BetaManagedAgentsCustomToolParams['input_schema'],
  };
}

/** The parameters of one agent; `roster` holds the platform references of its callees (already synced). */
export function agentCreateParams(
  agent: HarnessAgent,
  roster: readonly BetaManagedAgentsAgentParams[],
  maxStepAttempts = DEFAULT_STEP_ATTEMPTS,
): AgentCreateParams {
  const configs: BetaManagedAgentsAgentToolConfigParams[] = agent.tools.map((tool) => ({
    name: tool.name,
    enabled: tool.enabled,
    permission_policy: { type: tool.permission_policy },
  }));
  const handIn = handInTool(agent.name);
  const steps = completeStepTool(agent.name);
  const rules = steps ? agentContext({ agentName: agent.name, completesSteps: true, maxStepAttempts }) : undefined;
  const system = handIn
    ? `${agent.system}\n\nIn this session, hand in your result by calling the ${handIn.name} tool with it as the input, then end with a one-line message.`
    : rules
      ? `${agent.system}\n\n${rules}`
      : agent.system;
  return {
    name: agent.name,
    model: agent.model,
    system,
    tools: [
      { type: 'agent_toolset_20260401', default_config: { enabled: false }, configs },
      ...(handIn ? [handIn] : []),
      ...(steps ? [steps] : []),
    ],
    ...(roster.length > 0 ? { multiagent: { type: 'coordinator', agents: [...roster] } } : {}),
    metadata: {
      agent_os_name: agent.name,
      agent_os_version: String(agent.version),
      agent_os_network: String(agent.network),
    },
  };
}
