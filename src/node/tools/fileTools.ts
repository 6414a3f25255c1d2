// The file tools (read, write, edit, glob, grep) on a host directory. The semantics are the SDK's own
// implementation of the platform's toolset (confinement with symlinks resolved, unique edits, newest-first
// glob, size caps); around it we add what Agent OS promises beyond the platform: git metadata is never
// writable, a read-only agent cannot write at all, and paths can be shown as the agent's shell sees them.
// Independent of how `bash` runs, so every sandbox kind (worktree, bubblewrap, dev container) shares it.
import { realpathSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import * as path from 'node:path';
import {
  betaEditTool,
  betaGlobTool,
  betaGrepTool,
  betaReadTool,
  betaWriteTool,
  resolvePath,
  type AgentToolContext,
} from '@anthropic-ai/sdk/tools/agent-toolset/node';
import { ToolError } from '@anthropic-ai/sdk/lib/tools/ToolError';
import type { ToolCall, ToolOutcome } from '../../core/sandbox/sandbox.ts';
import { parseToolInput } from '../../core/tools/builtinTools.ts';
import { describeError } from '../../core/errors.ts';
import { globWithoutFsGlob } from './globWithoutFsGlob.ts';

export const FILE_TOOL_NAMES = ['read', 'write', 'edit', 'glob', 'grep'] as const;
export type FileToolName = (typeof FILE_TOOL_NAMES)[number];

export interface FileToolsOptions {
  /** Host directory the tools are confined to; it must exist. */
  root: string;
  /** Refuses write and edit. */
  readOnly: boolean;
  /** The path under which the agent's shell sees `root` (e.g. a container's `/workspaces/repo`). Absolute
   * paths the model gives under it are mapped to `root`, and host paths in results are shown under it. */
  displayRoot?: string;
  /** Cap for whole-file read and edit; the SDK's default (256 KiB) when omitted. */
  maxFileBytes?: number;
}

export interface FileTools {
  /** Canonical host path of the root. */
  readonly root: string;
  run(call: ToolCall, signal?: AbortSignal): Promise<ToolOutcome>;
}

export function isFileToolName(name: string): name is FileToolName {
  return (FILE_TOOL_NAMES as readonly string[]).includes(name);
}

/** True when `relative` (to the root, already canonical) names `.git` or anything inside a `.git` directory. */
export function isInsideGitMetadata(relative: string): boolean {
  // Compared case-insensitively: on a case-insensitive file system `.GIT/hooks` is the same directory.
  return relative.split(/[\\/]/).some((part) => part.toLowerCase() === '.git');
}

export function createFileTools(options: FileToolsOptions): FileTools {
  const root = realpathSync(options.root);
  const ctx: AgentToolContext = {
    workdir: root,
    readOnlyRoots: options.readOnly ? [root] : [],
    ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}),
  };
  const tools = {
    read: betaReadTool(ctx),
    write: betaWriteTool(ctx),
    edit: betaEditTool(ctx),
    // Node 20 has no fs.glob, which the SDK's glob walks with.
    glob: typeof (fsPromises as { glob?: unknown }).glob === 'function' ? betaGlobTool(ctx) : globWithoutFsGlob(ctx),
    grep: betaGrepTool(ctx),
  };
  const displayRoot =
    options.displayRoot && path.resolve(options.displayRoot) !== root ? path.resolve(options.displayRoot) : undefined;

  const toHost = (p: string): string => {
    if (!displayRoot || !path.isAbsolute(p)) return p;
    const rel = path.relative(displayRoot, path.resolve(p));
    if (rel === '') return root;
    if (rel.startsWith('..') || path.isAbsolute(rel)) return p;
    return path.join(root, rel);
  };
  const toDisplay = (text: string): string =>
    displayRoot ? text.split(root + path.sep).join(displayRoot + path.sep) : text;

  async function refuseGitMetadata(tool: string, filePath: string): Promise<ToolOutcome | undefined> {
    let target: string;
    try {
      target = await resolvePath(ctx, filePath);
    } catch (error) {
      return { content: `${tool}: ${errorText(error)}`, is_error: true };
    }
    if (isInsideGitMetadata(path.relative(root, target))) {
      return {
        content: `${tool}: ${filePath} is git metadata (.git); agents may not change it. Use git commands through bash instead.`,
        is_error: true,
      };
    }
    return undefined;
  }

  return {
    root,
    async run(call: ToolCall, signal?: AbortSignal): Promise<ToolOutcome> {
      if (!isFileToolName(call.name)) return { content: `Unknown file tool "${call.name}".`, is_error: true };
      const parsed = parseToolInput(call.name, call.input);
      if (!parsed.ok) return { content: parsed.error, is_error: true };
      const { name, input } = parsed.call as { name: FileToolName; input: Record<string, unknown> };
      const args: Record<string, unknown> = { ...input };
      if (typeof args.file_path === 'string') args.file_path = toHost(args.file_path);
      if (typeof args.path === 'string') args.path = toHost(args.path);

      if (name === 'write' || name === 'edit') {
        if (options.readOnly) {
          return {
            content: `${name}: this agent has read-only access to the files; ${name} is not allowed.`,
            is_error: true,
          };
        }
        const refused = await refuseGitMetadata(name, args.file_path as string);
        if (refused) return { content: toDisplay(refused.content), is_error: true };
      }
      try {
        const result = await tools[name].run(args, { signal } as Parameters<(typeof tools)[typeof name]['run']>[1]);
        let text =
          typeof result === 'string'
            ? result
            : result.map((b) => (b.type === 'text' ? b.text : `[${b.type}]`)).join('\n');
        if (name === 'grep') text = await sameGrepLines(text, ctx, args.path);
        return { content: toDisplay(text), is_error: false };
      } catch (error) {
        return { content: toDisplay(errorText(error)), is_error: true };
      }
    },
  };
}

/**
 * The SDK's grep answers in two shapes: through ripgrep where it is installed (no file name when the path
 * is one file, a trailing newline) and through its own walker otherwise (`file:line:text` always). One shape
 * for the model, whatever the machine has: every match line names its file, no trailing newline.
 */
async function sameGrepLines(text: string, ctx: AgentToolContext, target: unknown): Promise<string> {
  const out = text.replace(/\n+$/, '');
  if (typeof target !== 'string') return out;
  let file: string;
  try {
    file = await resolvePath(ctx, target);
    if (!(await fsPromises.stat(file)).isFile()) return out;
  } catch {
    return out;
  }
  return out
    .split('\n')
    .map((line) => (/^\d+:/.test(line) ? `${file}:${line}` : line))
    .join('\n');
}

function errorText(error: unknown): string {
  if (error instanceof ToolError) return typeof error.content === 'string' ? error.content : error.message;
  return describeError(error);
}
