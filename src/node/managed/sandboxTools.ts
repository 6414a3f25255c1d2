// The self-hosted environment's tools: the platform's built-in tool names, each run through Agent OS's
// own Sandbox port (`SandboxProvider.open` → `sandbox.runTool`), so a hosted session's commands get all
// the local confinement — the agent's access (read-only agents cannot change the worktree), its
// network switch, the scrubbed environment. The agent is the one the platform says the calling thread
// runs; nothing in the tool input chooses it.
//
// Intent before effect, across workers: a call is recorded as started (a file made exclusively, synced)
// before it runs. A worker that finds the record already there — its predecessor was killed or lost
// the lease mid-call — re-runs only calls that are safe to repeat, and answers the others with an error
// saying the outcome is unknown, as the local harness does on wake. Never silently twice.
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Anthropic } from '@anthropic-ai/sdk';
import type { BetaRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';
import { ToolError } from '@anthropic-ai/sdk/lib/tools/ToolError';
import type { BetaManagedAgentsSession } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import type { Sandbox, SandboxProvider } from '../../core/sandbox/sandbox.ts';
import { builtinToolSpecs } from '../../core/tools/builtinTools.ts';
import { secretRedactor } from '../../core/tools/redactSecrets.ts';
import {
  BUILTIN_TOOL_NAMES,
  SAFE_TO_RERUN,
  WRITING_TOOLS,
  evaluatePermission,
  type BuiltinToolName,
  type ResolvedToolConfig,
} from '../../core/tools/toolConfig.ts';
import { unconfinedTools } from '../../core/tools/unconfinedTools.ts';

/** Session metadata naming the repository the session works on (set by the managed backend). */
export const REPOSITORY_METADATA_KEY = 'agent_os_repository';

export interface SandboxToolsOptions {
  session: BetaManagedAgentsSession;
  client: Anthropic;
  /** The sandboxes of a repository on this machine. */
  sandboxes(repository: string): SandboxProvider;
  /** Folder for the started-call records (shared by the workers of this machine). */
  journalDir: string;
  onCall?(info: { sessionId: string; threadId: string; agent: string; tool: string; rerun: boolean }): void;
  /** Secret values this machine holds: redacted from every result before it goes to the platform. */
  secrets?: readonly string[];
}

interface ThreadAgent {
  name: string;
  enabled: BuiltinToolName[];
  network: boolean;
}

export function sandboxTools(options: SandboxToolsOptions): BetaRunnableTool[] {
  const { session, client } = options;
  const redact = secretRedactor(options.secrets ?? []);
  const sandboxes = new Map<string, Promise<Sandbox>>();
  const agents = new Map<string, Promise<ThreadAgent>>();
  let primary: Promise<string> | undefined;

  const threadOf = async (toolUse: unknown): Promise<string> => {
    const own = (toolUse as { session_thread_id?: unknown }).session_thread_id;
    if (typeof own === 'string' && own) return own;
    primary ??= (async () => {
      for await (const t of client.beta.sessions.threads.list(session.id)) if (t.parent_thread_id === null) return t.id;
      throw new ToolError('the session has no primary thread');
    })();
    return primary;
  };

  const agentOf = (threadId: string): Promise<ThreadAgent> => {
    let found = agents.get(threadId);
    if (!found) {
      found = client.beta.sessions.threads.retrieve(threadId, { session_id: session.id }).then((thread) => {
        const agent = thread.agent as { type: string; name?: string; tools?: unknown[] };
        if (agent.type !== 'agent' || !agent.name)
          throw new ToolError(`thread ${threadId} runs no saved agent; the self-hosted tools serve saved agents only`);
        return { name: agent.name, enabled: enabledTools(agent.tools ?? []), network: networkOf(session, agent.name) };
      });
      agents.set(threadId, found);
    }
    return found;
  };

  const sandboxFor = (threadId: string, agent: ThreadAgent): Promise<Sandbox> => {
    let s = sandboxes.get(threadId);
    if (!s) {
      const repository = session.metadata[REPOSITORY_METADATA_KEY];
      if (!repository)
        throw new ToolError(
          `session ${session.id} names no repository (metadata ${REPOSITORY_METADATA_KEY}); it was not started by Agent OS`,
        );
      s = options.sandboxes(repository).open({
        sessionId: session.id,
        threadId,
        access: agent.enabled.some((t) => WRITING_TOOLS.has(t)) ? 'read_write' : 'read_only',
        network: agent.network,
        enabledTools: agent.enabled,
      });
      sandboxes.set(threadId, s);
      s.catch(() => sandboxes.delete(threadId));
    }
    return s;
  };

  const run = async (
    name: BuiltinToolName,
    input: unknown,
    context: { toolUse: unknown; signal?: AbortSignal | null | undefined } | undefined,
  ): Promise<string> => {
    const toolUse = context?.toolUse as { id?: unknown } | undefined;
    const useId = typeof toolUse?.id === 'string' ? toolUse.id : undefined;
    if (!useId) throw new ToolError('the call has no tool_use id');
    const threadId = await threadOf(context?.toolUse);
    const agent = await agentOf(threadId);
    if (!agent.enabled.includes(name)) throw new ToolError(`tool ${name} is not enabled for agent ${agent.name}`);
    const firstRun = await recordStart(options.journalDir, session.id, useId);
    options.onCall?.({ sessionId: session.id, threadId, agent: agent.name, tool: name, rerun: !firstRun });
    if (!firstRun && !SAFE_TO_RERUN.has(name)) {
      throw new ToolError(
        'interrupted before completion: a worker started this call and stopped before its result reached the platform (killed, or its lease was lost); ' +
          'the outcome is unknown, so it is not run again — check the state and call it again if still needed',
      );
    }
    const sandbox = await sandboxFor(threadId, agent);
    // Unconfined, a reader's command would run as the person: readers get no bash (as in local mode).
    if (
      evaluatePermission(unconfinedTools(resolvedFor(agent.enabled), sandbox.access, sandbox.confined), name) === 'deny'
    ) {
      throw new ToolError(
        `tool ${name} is not available to agent ${agent.name}: the sandbox is unconfined, and read-only agents get no commands there`,
      );
    }
    const outcome = await sandbox.runTool({ name, input }, context?.signal ? { signal: context.signal } : {});
    const content = redact(outcome.content) || '(no output)';
    if (outcome.is_error) throw new ToolError(content);
    return content;
  };

  return builtinToolSpecs(BUILTIN_TOOL_NAMES).map((spec, i) => {
    const name = BUILTIN_TOOL_NAMES[i] as BuiltinToolName;
    const tool: BetaRunnableTool = {
      name: spec.name,
      description: spec.description,
      input_schema: spec.input_schema,
      parse: (content: unknown) => content,
      run: (input: unknown, context) => run(name, input, context),
      // The last tool closes the thread sandboxes (close runs once per tool when the session ends).
      ...(i === BUILTIN_TOOL_NAMES.length - 1
        ? {
            close: async () => {
              const open = [...sandboxes.values()];
              sandboxes.clear();
              await Promise.all(open.map((s) => s.then((x) => x.dispose()).catch(() => undefined)));
            },
          }
        : {}),
    };
    return tool;
  });
}

/** True when this is the first start of the call; false when some worker started it before. */
async function recordStart(journalDir: string, sessionId: string, toolUseId: string): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]+$/.test(sessionId) || !/^[A-Za-z0-9_-]+$/.test(toolUseId))
    throw new ToolError('unexpected id format');
  const dir = join(journalDir, sessionId);
  await mkdir(dir, { recursive: true });
  try {
    const handle = await open(join(dir, toolUseId), 'wx');
    await handle.sync();
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function enabledTools(tools: unknown[]): BuiltinToolName[] {
  const set = tools.find((t) => (t as { type?: string }).type === 'agent_toolset_20260401') as
    | { default_config?: { enabled?: boolean | null }; configs?: { name: string; enabled?: boolean | null }[] }
    | undefined;
  if (!set) return [];
  return BUILTIN_TOOL_NAMES.filter(
    (name) => set.configs?.find((c) => c.name === name)?.enabled ?? set.default_config?.enabled ?? true,
  );
}

/** Whether the agent's commands may use the network: from the metadata Agent OS gave it; off otherwise. */
function networkOf(session: BetaManagedAgentsSession, agentName: string): boolean {
  const agents = [
    session.agent,
    ...(((session.agent as { multiagent?: { agents?: unknown[] } | null }).multiagent?.agents ?? []) as unknown[]),
  ] as {
    name?: string;
    metadata?: Record<string, string>;
  }[];
  return agents.find((a) => a.name === agentName)?.metadata?.agent_os_network === 'true';
}

/** The thread's enabled tools in the resolved form the tool rules read. */
function resolvedFor(enabled: readonly BuiltinToolName[]): ResolvedToolConfig[] {
  return BUILTIN_TOOL_NAMES.map((name) => ({
    name,
    enabled: enabled.includes(name),
    permission_policy: 'always_allow',
  }));
}
