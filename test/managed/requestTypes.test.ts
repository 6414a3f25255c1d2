// The requests the managed backend sends are the SDK's own parameter types: `npm run typecheck`
// compiles this file, so a field the platform does not take (the research preview's `callable_agents`)
// or a wrong shape is a compile error, not a 400 at run time. The run-time half checks the stand-in
// refuses the same.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Anthropic, BadRequestError } from '@anthropic-ai/sdk';
import type { AgentCreateParams, AgentUpdateParams } from '@anthropic-ai/sdk/resources/beta/agents/agents';
import type { BetaManagedAgentsEventParams } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import type { SessionCreateParams } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import { agentCreateParams, handInTool } from '../../src/node/managed/agentParams.ts';
import { resolveToolset, allowListToolset } from '../../src/core/tools/toolConfig.ts';
import { PlatformStandIn } from '../../src/testkit/managed/platformStandIn.ts';

const planner = {
  name: 'Planner',
  version: 3,
  model: 'claude-sonnet-4-6',
  maxTokens: 1024,
  system: 'plan',
  tools: resolveToolset(allowListToolset(['read'])),
  callableAgents: [],
  network: false,
  access: 'read_only' as const,
};

// What the backend builds is assignable to what the SDK sends, for create and for update.
const created: AgentCreateParams = agentCreateParams(planner, [{ type: 'agent', id: 'agent_x', version: 2 }]);
const updated: AgentUpdateParams = { ...created, version: 1 };
const session: SessionCreateParams = {
  agent: { type: 'agent', id: 'agent_x', version: 2 },
  environment_id: 'env_x',
  budget: { type: 'limit', max_list_cost: { amount: '250', currency: 'USD' } },
};
const answer: BetaManagedAgentsEventParams = {
  type: 'user.custom_tool_result',
  custom_tool_use_id: 'sevt_x',
  content: [{ type: 'text', text: 'ok' }],
  is_error: false,
};
const preview: AgentCreateParams = {
  name: 'Lead',
  model: 'claude-sonnet-4-6',
  // @ts-expect-error — sub-agents are `multiagent`, not the research preview's `callable_agents`
  callable_agents: [{ type: 'agent', id: 'agent_x', version: 1 }],
};
const badBudget: SessionCreateParams = {
  agent: 'agent_x',
  environment_id: 'env_x',
  // @ts-expect-error — a budget is minor units as a string
  budget: { type: 'limit', max_list_cost: { amount: 2.5, currency: 'USD' } },
};

test('the request shapes the backend builds are the ones the platform takes; the preview shape is refused', async () => {
  assert.equal(created.multiagent?.type, 'coordinator');
  assert.equal(updated.version, 1);
  assert.equal(session.budget?.max_list_cost.amount, '250');
  assert.equal(answer.type, 'user.custom_tool_result');
  assert.equal(handInTool('Planner')?.name, 'submit_plan');
  assert.equal(badBudget.environment_id, 'env_x');
  const platform = await PlatformStandIn.start({ modelUrl: 'http://127.0.0.1:9' });
  try {
    const client = new Anthropic({ apiKey: 'stand-in-key', baseURL: platform.url, maxRetries: 0 });
    await assert.rejects(
      client.beta.agents.create(preview),
      (error: unknown) => error instanceof BadRequestError && /callable_agents/.test(error.message),
    );
    const made = await client.beta.agents.create(agentCreateParams(planner, []));
    assert.equal(made.version, 1);
    assert.deepEqual(
      made.tools.map((t) => t.type),
      ['agent_toolset_20260401', 'custom'],
    );
  } finally {
    await platform.close();
  }
});
