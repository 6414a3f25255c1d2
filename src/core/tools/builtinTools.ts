// The built-in toolset `agent_toolset_20260401` as the model sees it (ToolSpec) and as the harness
// checks a call's input (zod). Field names are the platform's (docs/reference/managedAgents.md, "Tool inputs"), so the same agent
// runs locally and hosted. The JSON schemas are written out by hand rather than generated from zod so that
// what the model is offered stays exactly the platform's shape (e.g. `view_range` as an integer array).
import { z } from 'zod';
import type { ToolSpec } from '../model/modelClient.ts';
import type { BuiltinToolName } from './toolConfig.ts';

export const BashInput = z
  .strictObject({
    command: z.string().optional(),
    restart: z.boolean().optional(),
    /** 0 or omitted: the runner's default. */
    timeout_ms: z.number().int().min(0).optional(),
  })
  .refine((v) => (v.command !== undefined && v.command.trim() !== '') || v.restart === true, {
    message: 'command is required (it may be omitted only with restart: true)',
    path: ['command'],
  });
export type BashInput = z.infer<typeof BashInput>;

export const ReadInput = z.strictObject({
  file_path: z.string().min(1),
  /** 1-indexed, inclusive; an end ≤ 0 means the end of the file. */
  view_range: z
    .tuple([z.number().int().min(1), z.number().int()])
    .refine(([start, end]) => end <= 0 || end >= start, {
      message: 'end_line must be ≥ start_line, or ≤ 0 for end of file',
    })
    .optional(),
});
export type ReadInput = z.infer<typeof ReadInput>;

export const WriteInput = z.strictObject({
  file_path: z.string().min(1),
  content: z.string(),
});
export type WriteInput = z.infer<typeof WriteInput>;

export const EditInput = z.strictObject({
  file_path: z.string().min(1),
  old_string: z.string().min(1),
  new_string: z.string(),
  replace_all: z.boolean().optional(),
});
export type EditInput = z.infer<typeof EditInput>;

export const GlobInput = z.strictObject({
  pattern: z.string().min(1),
  path: z.string().optional(),
});
export type GlobInput = z.infer<typeof GlobInput>;

export const GrepInput = z.strictObject({
  pattern: z.string().min(1),
  path: z.string().optional(),
});
export type GrepInput = z.infer<typeof GrepInput>;

export type BuiltinToolCall =
  | { name: 'bash'; input: BashInput }
  | { name: 'read'; input: ReadInput }
  | { name: 'write'; input: WriteInput }
  | { name: 'edit'; input: EditInput }
  | { name: 'glob'; input: GlobInput }
  | { name: 'grep'; input: GrepInput };

const INPUT_SCHEMAS: Record<BuiltinToolName, z.ZodType> = {
  bash: BashInput,
  read: ReadInput,
  write: WriteInput,
  edit: EditInput,
  glob: GlobInput,
  grep: GrepInput,
};

export const BUILTIN_TOOL_SPECS: Record<BuiltinToolName, ToolSpec> = {
  bash: {
    name: 'bash',
    description:
      'Run a bash command in a persistent shell. The working directory and exported variables persist between ' +
      'calls. Each command has a timeout (timeout_ms, default 120000) and its output is capped (the tail is kept). ' +
      'Use restart: true to start a fresh shell.',
    input_schema: {
      type: 'object',
      properties: {
        command: { type: 'string', description: 'The command to run. Omit only together with restart.' },
        restart: {
          type: 'boolean',
          description: 'Restart the persistent shell before running (or instead of) the command.',
        },
        timeout_ms: {
          type: 'integer',
          description: 'Per-call timeout in milliseconds; 0 or omitted uses the default.',
        },
      },
    },
  },
  read: {
    name: 'read',
    description: 'Read a UTF-8 text file; a relative path is resolved against the working directory.',
    input_schema: {
      type: 'object',
      properties: {
        file_path: { type: 'string', description: 'Path of the file to read.' },
        view_range: {
          type: 'array',
          items: { type: 'integer' },
          description: '[start_line, end_line], 1-indexed and inclusive; an end_line of 0 or less reads to the end.',
        },
      },
      required: ['file_path'],
    },
  },
  write: {
    name: 'write',
    description: 'Create or overwrite a whole UTF-8 text file, creating parent directories as needed.',
    input_schema: {
      type: 'object',
      properties: {
        file_path: { type: 'string', description: 'Path of the file to write.' },
        content: { type: 'string', description: 'The complete new content of the file.' },
      },
      required: ['file_path', 'content'],
    },
  },
  edit: {
    name: 'edit',
    description:
      'Replace old_string with new_string in a file. old_string must occur exactly once unless replace_all is true.',
    input_schema: {
      type: 'object',
      properties: {
        file_path: { type: 'string', description: 'Path of the file to edit.' },
        old_string: { type: 'string', description: 'The exact text to replace.' },
        new_string: { type: 'string', description: 'The replacement text.' },
        replace_all: { type: 'boolean', description: 'Replace every occurrence instead of exactly one.' },
      },
      required: ['file_path', 'old_string', 'new_string'],
    },
  },
  glob: {
    name: 'glob',
    description:
      'Find files matching a glob pattern (** allowed). Results are sorted by modification time, newest first.',
    input_schema: {
      type: 'object',
      properties: {
        pattern: { type: 'string', description: 'A relative glob pattern, e.g. "src/**/*.ts".' },
        path: { type: 'string', description: 'Directory to search in; defaults to the working directory.' },
      },
      required: ['pattern'],
    },
  },
  grep: {
    name: 'grep',
    description: 'Search file contents for a regular expression; returns matching lines as path:line:text.',
    input_schema: {
      type: 'object',
      properties: {
        pattern: { type: 'string', description: 'A regular expression.' },
        path: { type: 'string', description: 'File or directory to search; defaults to the working directory.' },
      },
      required: ['pattern'],
    },
  },
};

/** The specs to offer a model, in the given order (normally the agent's enabled tools). */
export function builtinToolSpecs(names: readonly BuiltinToolName[]): ToolSpec[] {
  return names.map((name) => BUILTIN_TOOL_SPECS[name]);
}

export function isBuiltinToolName(name: string): name is BuiltinToolName {
  return Object.prototype.hasOwnProperty.call(INPUT_SCHEMAS, name);
}

export type ParsedToolInput = { ok: true; call: BuiltinToolCall } | { ok: false; error: string };

/** Checks a model's tool input; the error names each bad field so the model can correct its call. */
export function parseToolInput(name: string, input: unknown): ParsedToolInput {
  if (!isBuiltinToolName(name)) return { ok: false, error: `Unknown tool "${name}".` };
  const result = INPUT_SCHEMAS[name].safeParse(input, {
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input === undefined ? 'required field is missing' : undefined,
  });
  if (result.success) return { ok: true, call: { name, input: result.data } as BuiltinToolCall };
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    return issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
  });
  return { ok: false, error: `Invalid input for tool "${name}": ${problems.join('; ')}.` };
}
