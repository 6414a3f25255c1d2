// The tool through which an agent hands work to another agent's thread. Threads persist: a second
// message to the same agent (and key) goes to the thread that already holds the first attempt.
import { z } from 'zod';
import type { ToolSpec } from '../model/modelClient.ts';

export const DELEGATION_TOOL_NAME = 'send_to_agent';

export const DelegationInput = z.strictObject({
  agent_name: z.string().min(1),
  message: z.string().min(1),
  thread_key: z.string().min(1).optional(),
});
export type DelegationInput = z.infer<typeof DelegationInput>;

export function delegationToolSpec(callable: readonly string[]): ToolSpec {
  return {
    name: DELEGATION_TOOL_NAME,
    description:
      'Send a task to another agent and wait for its result. Each agent keeps its own thread and ' +
      'remembers earlier messages you sent it. Several calls in one turn run in parallel. Use ' +
      '`thread_key` to start a separate thread of the same agent (for parallel work).',
    input_schema: {
      type: 'object',
      properties: {
        agent_name: { type: 'string', enum: [...callable], description: 'The agent to send the task to.' },
        message: { type: 'string', description: 'The task, with everything the agent needs to know.' },
        thread_key: { type: 'string', description: 'Optional: a name for a separate thread of that agent.' },
      },
      required: ['agent_name', 'message'],
      additionalProperties: false,
    },
  };
}
