// The glob tool where Node has no fs.glob (Node 20: the CLI's oldest Node, and the extension host of the
// oldest VS Code we support). The SDK's glob walks with fs.glob, bound when its module loads, so on Node 20
// every glob call failed. This one gives the same answers by the same rules — a relative pattern without
// `..`, a search path confined like every file tool's, .git and node_modules pruned, regular files only,
// each match's real path inside the search root, newest first, at most 200 — walking with fast-glob.
// Symbolic links are never descended into (the SDK's walk drops what they lead out to; here they are
// not walked at all), so a link the agent planted cannot take the walk out of the root.
import { realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import fastGlob from 'fast-glob';
import { resolvePath, type AgentToolContext } from '@anthropic-ai/sdk/tools/agent-toolset/node';
import { ToolError } from '@anthropic-ai/sdk/lib/tools/ToolError';
import type { BetaToolRunContext } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';

/** The SDK's limits for its glob: results shown, and entries walked before the walk stops. */
const GLOB_RESULT_LIMIT = 200;
const WALK_MAX_ENTRIES = 50_000;

export interface GlobInput {
  pattern?: unknown;
  path?: unknown;
}

export function globWithoutFsGlob(ctx: AgentToolContext): {
  run(input: GlobInput, context?: BetaToolRunContext): Promise<string>;
} {
  return {
    // The run context (the SDK's signal) is ignored, as the SDK's glob ignores it: the walk is bounded.
    async run({ pattern, path: searchPath }: GlobInput): Promise<string> {
      if (typeof pattern !== 'string' || pattern === '') throw new ToolError('glob: pattern is required');
      if (path.isAbsolute(pattern)) {
        throw new ToolError('glob: absolute pattern not permitted; pass a relative pattern (and optionally path)');
      }
      if (pattern.split(/[\\/{},]/).includes('..')) throw new ToolError('glob: ".." is not permitted in the pattern');
      const root =
        typeof searchPath === 'string' && searchPath !== ''
          ? await resolvePath(ctx, searchPath)
          : path.resolve(ctx.workdir);
      const realRoot = await realpath(root);
      const matches: { path: string; mtime: number }[] = [];
      let remaining = WALK_MAX_ENTRIES;
      try {
        const walk = fastGlob.stream(pattern, {
          cwd: root,
          absolute: true,
          onlyFiles: true,
          followSymbolicLinks: false,
          ignore: ['**/.git/**', '**/node_modules/**'],
          suppressErrors: true,
        }) as AsyncIterable<string>;
        for await (const full of walk) {
          if (remaining-- <= 0) break;
          let real: string;
          try {
            real = await realpath(full);
          } catch {
            continue;
          }
          const rel = path.relative(realRoot, real);
          if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
          let mtime = 0;
          try {
            const info = await stat(real);
            if (!info.isFile()) continue;
            mtime = info.mtimeMs;
          } catch {
            // Gone or unreadable since the walk saw it: listed with mtime 0, as the SDK's glob does.
          }
          matches.push({ path: full, mtime });
        }
      } catch (error) {
        throw new ToolError(`glob: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (matches.length === 0) return 'no matches';
      matches.sort((a, b) => b.mtime - a.mtime);
      return matches
        .slice(0, GLOB_RESULT_LIMIT)
        .map((m) => m.path)
        .join('\n');
    },
  };
}
