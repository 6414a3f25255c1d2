// "Never silently unconfined": where the sandbox cannot confine a command (the plain worktree kind, or
// `auto` on a machine with neither bubblewrap nor a container engine), `bash` runs as the person on
// their machine. Then no command runs without the person's consent: a writer's every `bash` call asks
// (the `always_ask` flow), a read-only agent gets no `bash` at all. This is applied over the agent's
// own configuration, which cannot opt out of it; the file tools stay as configured (they resolve and
// confine every path themselves).
import type { SandboxAccess } from '../sandbox/sandbox.ts';
import type { ResolvedToolConfig } from './toolConfig.ts';

/** Tools that run commands: what confinement is for. */
export const COMMAND_TOOLS: ReadonlySet<string> = new Set(['bash']);

/** The tool configuration that applies to an agent in a sandbox that is (or is not) confined. */
export function unconfinedTools(
  tools: readonly ResolvedToolConfig[],
  access: SandboxAccess,
  confined: boolean,
): ResolvedToolConfig[] {
  if (confined) return [...tools];
  return tools.map((tool) => {
    if (!COMMAND_TOOLS.has(tool.name) || !tool.enabled) return tool;
    if (access === 'read_only') return { ...tool, enabled: false };
    return { ...tool, permission_policy: 'always_ask' };
  });
}

/** What people are told, in the session, the Threads tree, the Event Log and the CLI. */
export const UNCONFINED_NOTICE = 'unconfined: every command asks you';
