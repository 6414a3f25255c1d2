// The repository's environment file, `.agents/environment.json` or `.agents/environment.yaml`: what a
// session's set-up phase runs, the test command, network allowlists and plain variables. Validated with
// zod; every problem names its line and column, so a person can fix the file and resume the session.
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { AgentOsError } from '../../core/errors.ts';
import { isSecretName } from '../sandbox/scrubbedEnv.ts';
import { looksLikeSecretValue } from './secretText.ts';

export const ENVIRONMENT_FILE_NAMES = [
  '.agents/environment.json',
  '.agents/environment.yaml',
  '.agents/environment.yml',
] as const;

const command = z.string().trim().min(1, 'a command cannot be empty');
const commands = z.union([command, z.array(command).min(1, 'give at least one command')]);
/** A host name, optionally with a leading `*.` for its subdomains. No scheme, path or port. */
const domain = z
  .string()
  .regex(
    /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
    'a domain is a host name such as example.com or *.example.com (no scheme, path or port)',
  );
const relativePath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'),
    'a path relative to the repository, inside it',
  );

export const EnvironmentFileSchema = z.strictObject({
  /** Set-up command(s), run in order in the repository root with network to `network.setup`. */
  setup: commands.optional(),
  /** The command that runs the project's tests (the Reviewer's and the runtime's test run). */
  test: command.optional(),
  /** Time allowed for the whole set-up. */
  timeoutMinutes: z.number().positive().max(120).optional(),
  network: z
    .strictObject({
      /** Domains the set-up may reach. Default: the registries the detected ecosystem needs. */
      setup: z.array(domain).optional(),
      /** Domains agents may reach. Default: none (agents run offline). */
      agents: z.array(domain).optional(),
    })
    .optional(),
  /** Plain variables for the set-up and test commands. Never secrets: names and values that look like one are refused. */
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name is letters, digits and _'), z.string())
    .superRefine((env, ctx) => {
      for (const [name, value] of Object.entries(env)) {
        if (isSecretName(name))
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `${name} looks like a secret: the environment file holds plain variables only`,
          });
        else if (looksLikeSecretValue(value))
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `the value of ${name} looks like a secret (a token or key): the environment file holds plain variables only`,
          });
      }
    })
    .optional(),
  /** Git-ignored files the project needs (`.env.test`, …), copied into each sandbox; secrets are left out. */
  copyFiles: z.array(relativePath).optional(),
  /** Folders the set-up makes that every sandbox gets from the cache. Default: by ecosystem (node_modules, .venv, …). */
  cacheDirectories: z.array(relativePath).optional(),
});
export type EnvironmentFile = z.infer<typeof EnvironmentFileSchema>;

export interface EnvironmentFileProblem {
  /** 1-based, as editors show them. */
  line: number;
  column: number;
  message: string;
}

export class EnvironmentFileError extends AgentOsError {
  constructor(
    readonly file: string,
    readonly problems: readonly EnvironmentFileProblem[],
  ) {
    super('INVALID_ARGUMENT', problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
  }
}

/** Parses and validates an environment file's text (JSON is read as the YAML it is a subset of, so
 * positions work the same). Throws EnvironmentFileError listing every problem with its line. */
export function parseEnvironmentFile(text: string, file: string): EnvironmentFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): { line: number; column: number } => {
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    throw new EnvironmentFileError(
      file,
      doc.errors.map((e) => ({ ...at(e.pos[0]), message: e.message.split('\n')[0] ?? e.message })),
    );
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new EnvironmentFileError(file, [
      {
        ...at(0),
        message:
          'the environment file must be a mapping of fields (setup, test, network, env, copyFiles, cacheDirectories)',
      },
    ]);
  }
  const parsed = EnvironmentFileSchema.safeParse(doc.toJS() ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    // Point at the offending key itself when there is one, else at the value the issue is about.
    const path = keys.length > 0 ? [...issue.path, keys[0] as string] : issue.path;
    const node = nodeAt(doc.contents as YamlNode | null, path as (string | number)[], keys.length > 0);
    const where = node?.range ? at(node.range[0]) : at(0);
    const field = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    const message =
      keys.length > 0
        ? `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')} (known: setup, test, timeoutMinutes, network, env, copyFiles, cacheDirectories)`
        : issue.message;
    return { ...where, message: `${field}${message}` };
  });
  throw new EnvironmentFileError(file, problems);
}

/** The node at a path; for `keyNode`, the key of the last step (so an unknown field points at its name). */
function nodeAt(root: YamlNode | null, path: (string | number)[], keyNode: boolean): YamlNode | undefined {
  let node: YamlNode | null | undefined = root;
  for (let i = 0; i < path.length; i++) {
    if (!node || !('items' in node)) return node ?? undefined;
    const step = path[i];
    const items = (node as { items: unknown[] }).items;
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === step);
      if (!pair) return node;
      if (keyNode && i === path.length - 1) return pair.key as YamlNode;
      node = pair.value as YamlNode | null;
    } else {
      node = (typeof step === 'number' ? items[step] : undefined) as YamlNode | undefined;
    }
  }
  return node ?? undefined;
}
