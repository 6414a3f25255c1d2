// A Sandbox made of its two halves: file tools on a host directory and a shell, plus the checks every
// sandbox kind repeats as defense in depth (the harness decides permissions first): a tool the agent's
// configuration does not enable is refused, and a read-only agent never gets write or edit.
import type { Sandbox, SandboxInfo, ToolCall, ToolOutcome } from '../../core/sandbox/sandbox.ts';
import { parseToolInput } from '../../core/tools/builtinTools.ts';
import { WRITING_TOOLS } from '../../core/tools/toolConfig.ts';
import type { BashSession } from '../tools/bashSession.ts';
import type { FileTools } from '../tools/fileTools.ts';

export interface ToolSandboxParts {
  info: SandboxInfo;
  enabledTools: readonly string[];
  files: FileTools;
  bash: BashSession;
  /** Runs after the shell is stopped (e.g. release a lease on the worktree). */
  onDispose?: () => Promise<void> | void;
}

export function createToolSandbox(parts: ToolSandboxParts): Sandbox {
  const enabled = new Set(parts.enabledTools);
  let disposed = false;
  return {
    ...parts.info,
    async runTool(call: ToolCall, options: { signal?: AbortSignal }): Promise<ToolOutcome> {
      if (disposed) return { content: `${call.name}: this sandbox was closed`, is_error: true };
      if (!enabled.has(call.name)) {
        return { content: `Tool "${call.name}" is not enabled for this agent; the call was refused.`, is_error: true };
      }
      if (parts.info.access === 'read_only' && WRITING_TOOLS.has(call.name)) {
        return {
          content: `Tool "${call.name}" is not allowed: this agent has read-only access to the files.`,
          is_error: true,
        };
      }
      const parsed = parseToolInput(call.name, call.input);
      if (!parsed.ok) return { content: parsed.error, is_error: true };
      if (parsed.call.name === 'bash') return parts.bash.run(parsed.call.input, options.signal);
      return parts.files.run(call, options.signal);
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await parts.bash.dispose();
      await parts.onDispose?.();
    },
  };
}
