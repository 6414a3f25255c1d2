// Reading a repository's devcontainer.json and deriving the configuration Agent OS actually starts.
// The repository's file is the user's (and, inside a worktree, an agent could edit it), so what reaches
// Docker is a hardened copy: the session's worktree is the only workspace mount, `.git` is read-only,
// nothing from the host's credentials or sockets gets in, and the network is off unless allowed.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { AgentOsError } from '../../../core/errors.ts';
import { isSecretName } from '../scrubbedEnv.ts';

/** Where the dev container specification looks for a configuration, in its order. */
export const DEFAULT_CONFIG_PATHS = ['.devcontainer/devcontainer.json', '.devcontainer.json'] as const;

export type DevcontainerJson = Record<string, unknown>;

/** The configuration is missing, unreadable or not what the specification allows. The session stays
 * resumable: fixing the file (or choosing another sandbox) and resuming is the next step. */
export class DevcontainerConfigError extends AgentOsError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(
      'SANDBOX_UNAVAILABLE',
      `dev container configuration ${file} is invalid: ${reason}; fix it (or set the sandbox to bubblewrap or worktree) and resume the session`,
    );
  }
}

/** The configuration file of `root` (a repository or worktree): `configured` when given (relative to the
 * root, or absolute), else the first of the standard places that exists. */
export function findDevcontainerConfig(root: string, configured?: string): string | undefined {
  if (configured) {
    const file = path.resolve(root, configured);
    return existsSync(file) ? file : undefined;
  }
  for (const candidate of DEFAULT_CONFIG_PATHS) {
    const file = path.join(root, candidate);
    if (existsSync(file)) return file;
  }
  return undefined;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/** JSON with comments (the specification's format) made plain JSON: comments and trailing commas become
 * spaces, so offsets, and with them the line and column of an error, stay those of the file.
 * Hand-written rather than a library: jsonc-parser's published build does not survive bundling. */
export function stripJsonComments(text: string): string {
  const out = text.split('');
  let i = 0;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  };
  // Pass 1: comments.
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      blank(i, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      blank(i, end < 0 ? text.length : end + 2);
      i = end < 0 ? text.length : end + 2;
    } else i++;
  }
  // Pass 2: a comma followed only by blanks and a closing bracket.
  const plain = out.join('');
  i = 0;
  while (i < plain.length) {
    const c = plain[i];
    if (c === '"') {
      i++;
      while (i < plain.length && plain[i] !== '"' && plain[i] !== '\n') i += plain[i] === '\\' ? 2 : 1;
    } else if (c === ',') {
      let j = i + 1;
      while (j < plain.length && /\s/.test(plain[j] as string)) j++;
      if (plain[j] === '}' || plain[j] === ']') out[i] = ' ';
    }
    i++;
  }
  return out.join('');
}

/** Parses JSON with comments and trailing commas, as the specification allows; errors name the place. */
export function parseDevcontainerJson(text: string, file: string): DevcontainerJson {
  let value: unknown;
  try {
    value = JSON.parse(stripJsonComments(text));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message)?.[1];
    const reason = message.replace(/\s*(in JSON )?at position.*$/s, '').replace(/^JSON\.parse: /, '');
    throw new DevcontainerConfigError(
      file,
      `${reason} at ${lineAndColumn(text, position !== undefined ? Number(position) : text.length)}`,
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new DevcontainerConfigError(file, 'it must hold a JSON object');
  }
  const config = value as DevcontainerJson;
  validate(config, file);
  return config;
}

export async function readDevcontainerJson(file: string): Promise<DevcontainerJson> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DevcontainerConfigError(
      file,
      `it cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return parseDevcontainerJson(text, file);
}

function validate(config: DevcontainerJson, file: string): void {
  const fail = (reason: string): never => {
    throw new DevcontainerConfigError(file, reason);
  };
  if ('dockerComposeFile' in config)
    fail('Docker Compose dev containers are not supported by Agent OS yet (use "image" or "build")');
  const build = config.build;
  if (build !== undefined && (typeof build !== 'object' || build === null || Array.isArray(build)))
    fail('"build" must be an object');
  const dockerfile = (build as { dockerfile?: unknown } | undefined)?.dockerfile ?? config.dockerFile;
  if (typeof config.image !== 'string' && typeof dockerfile !== 'string') {
    fail('it names neither an "image" nor a "build.dockerfile"');
  }
  if (config.image !== undefined && (typeof config.image !== 'string' || config.image.trim() === ''))
    fail('"image" must be a non-empty string');
  if (config.runArgs !== undefined && !isStringArray(config.runArgs)) fail('"runArgs" must be an array of strings');
  if (config.mounts !== undefined && !Array.isArray(config.mounts)) fail('"mounts" must be an array');
  for (const key of ['containerEnv', 'remoteEnv'] as const) {
    const env = config[key];
    if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env)))
      fail(`"${key}" must be an object`);
  }
  for (const key of ['workspaceFolder', 'workspaceMount', 'remoteUser', 'containerUser'] as const) {
    if (config[key] !== undefined && typeof config[key] !== 'string') fail(`"${key}" must be a string`);
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** The image a configuration runs, when it names one (a `build` makes its own). */
export function configImage(config: DevcontainerJson): string | undefined {
  return typeof config.image === 'string' && config.build === undefined && config.dockerFile === undefined
    ? config.image
    : undefined;
}

// `docker run` options that would widen the container's reach: host devices, host namespaces, extra
// privileges, host files, or published ports. Value-taking ones consume their next token when not `=`-joined.
const DROPPED_WITH_VALUE = new Set([
  '--cap-add',
  '--security-opt',
  '-v',
  '--volume',
  '--mount',
  '--device',
  '--device-cgroup-rule',
  '--pid',
  '--ipc',
  '--uts',
  '--userns',
  '--cgroupns',
  '--cgroup-parent',
  '--env-file',
  '-p',
  '--publish',
  '--volumes-from',
  '--runtime',
  '--gpus',
  '--group-add',
  '--label-file',
]);
const DROPPED_FLAGS = new Set(['--privileged', '-P', '--publish-all']);
const NETWORK_WITH_VALUE = new Set([
  '--network',
  '--net',
  '--add-host',
  '--dns',
  '--dns-search',
  '--dns-option',
  '--ip',
  '--ip6',
  '--link',
]);
const ENV_WITH_VALUE = new Set(['-e', '--env']);
/** Options of `docker run` known to take a value, so their value is never mistaken for a flag. */
const KEPT_WITH_VALUE = new Set([
  '--label',
  '-l',
  '--name',
  '-u',
  '--user',
  '-w',
  '--workdir',
  '--hostname',
  '-h',
  '--memory',
  '-m',
  '--cpus',
  '--shm-size',
  '--ulimit',
  '--tmpfs',
  '--entrypoint',
  '--init-path',
  '--platform',
  '--stop-signal',
  '--sysctl',
]);

/** Drops the `runArgs` that could reach the host or the network (the latter only when it is not allowed). */
export function filterRunArgs(runArgs: readonly string[], network: boolean): { kept: string[]; dropped: string[] } {
  const kept: string[] = [];
  const dropped: string[] = [];
  for (let i = 0; i < runArgs.length; i++) {
    const token = runArgs[i] as string;
    const eq = token.indexOf('=');
    const flag = token.startsWith('-') && eq > 0 ? token.slice(0, eq) : token;
    const joined = token.startsWith('-') && eq > 0;
    const takesValue =
      DROPPED_WITH_VALUE.has(flag) ||
      NETWORK_WITH_VALUE.has(flag) ||
      ENV_WITH_VALUE.has(flag) ||
      KEPT_WITH_VALUE.has(flag);
    const value = joined ? token.slice(eq + 1) : takesValue ? runArgs[i + 1] : undefined;
    const tokens = joined || !takesValue ? [token] : [token, ...(value !== undefined ? [value] : [])];
    if (takesValue && !joined) i++;
    let drop = DROPPED_FLAGS.has(flag) || DROPPED_WITH_VALUE.has(flag) || (!network && NETWORK_WITH_VALUE.has(flag));
    if (ENV_WITH_VALUE.has(flag) && value !== undefined) drop = isSecretName(value.split('=')[0] ?? '');
    if (/^--privileged=/.test(token)) drop = true;
    (drop ? dropped : kept).push(...tokens);
  }
  return { kept, dropped };
}

/** A `${localEnv:NAME}` reference brings a host variable into the container: never one named like a secret. */
function referencesSecret(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  for (const m of value.matchAll(/\$\{localEnv:([^}:]+)(?::[^}]*)?\}/g)) if (isSecretName(m[1] ?? '')) return true;
  return false;
}

export function scrubEnvObject(env: unknown): { kept: Record<string, string>; dropped: string[] } {
  const kept: Record<string, string> = {};
  const dropped: string[] = [];
  if (!env || typeof env !== 'object') return { kept, dropped };
  for (const [name, value] of Object.entries(env as Record<string, unknown>)) {
    if (value === null || value === undefined) continue;
    if (isSecretName(name) || referencesSecret(value)) dropped.push(name);
    else kept[name] = String(value);
  }
  return { kept, dropped };
}

/** The `target=` of a `--mount` style string, when it names one. */
export function mountTarget(mount: string): string | undefined {
  for (const part of mount.split(',')) {
    const [key, ...rest] = part.split('=');
    if (key && ['target', 'destination', 'dst'].includes(key.trim())) return rest.join('=').trim();
  }
  return undefined;
}

function isHostBindMount(mount: unknown): boolean {
  if (typeof mount === 'string') {
    const type = /(?:^|,)\s*type=([^,]+)/.exec(mount)?.[1]?.trim();
    return type === undefined || type === 'bind';
  }
  if (mount && typeof mount === 'object') return (mount as { type?: unknown }).type !== 'volume';
  return true;
}

export interface HardenOptions {
  network: boolean;
  readOnly: boolean;
  /** Extra `--mount` strings (the read-only git metadata); `${containerWorkspaceFolder}`-free targets. */
  gitMounts: (workspaceTarget: string) => string[];
  /** Labels put on the container beside the CLI's id labels. */
  labels: Record<string, string>;
}

export interface HardenedConfig {
  config: DevcontainerJson;
  /** Where the worktree is mounted in the container (may hold `${…}` variables the CLI fills in). */
  workspaceTarget: string;
  /** What was left out of the repository's configuration, for the sandbox's detail line. */
  dropped: string[];
}

/** The configuration Agent OS starts: the repository's, with the worktree as the only workspace mount. */
export function hardenConfig(source: DevcontainerJson, options: HardenOptions): HardenedConfig {
  const config: DevcontainerJson = { ...source };
  const dropped: string[] = [];

  const userTarget = typeof source.workspaceMount === 'string' ? mountTarget(source.workspaceMount) : undefined;
  const workspaceTarget =
    userTarget ??
    (typeof source.workspaceFolder === 'string'
      ? source.workspaceFolder
      : '/workspaces/${localWorkspaceFolderBasename}');
  // `${localWorkspaceFolder}` is the session's worktree (the CLI's --workspace-folder), never the user's checkout,
  // whatever source the repository's own workspaceMount named.
  config.workspaceMount = `type=bind,source=\${localWorkspaceFolder},target=${workspaceTarget}${options.readOnly ? ',readonly' : ''}`;
  config.workspaceFolder = typeof source.workspaceFolder === 'string' ? source.workspaceFolder : workspaceTarget;

  // Runs on the host, outside any container: a repository (or an agent editing it) must not get that.
  if ('initializeCommand' in config) {
    delete config.initializeCommand;
    dropped.push('initializeCommand');
  }
  for (const key of ['privileged', 'capAdd', 'securityOpt', 'appPort'] as const) {
    if (key in config) {
      delete config[key];
      dropped.push(key);
    }
  }
  // Bind mounts bring host files in (often ~/.ssh or cloud credentials); volumes are the container's own.
  if (Array.isArray(source.mounts)) {
    const mounts = source.mounts.filter((m) => !isHostBindMount(m));
    if (mounts.length !== source.mounts.length) dropped.push(`${source.mounts.length - mounts.length} host mount(s)`);
    config.mounts = mounts;
  }
  config.mounts = [...((config.mounts as unknown[] | undefined) ?? []), ...options.gitMounts(workspaceTarget)];

  for (const key of ['containerEnv', 'remoteEnv'] as const) {
    if (source[key] === undefined) continue;
    const { kept, dropped: names } = scrubEnvObject(source[key]);
    config[key] = kept;
    if (names.length) dropped.push(`${key} ${names.join(', ')}`);
  }
  // For the agent's shell: no pager or credential prompt waits for a key nobody presses, and git reads the
  // read-only repository whatever uid owns it (safe.directory is honoured from command-line scope, which
  // GIT_CONFIG_* is). Ours win over the repository's, as they decide whether a command can hang.
  config.remoteEnv = {
    ...((config.remoteEnv as Record<string, string> | undefined) ?? {}),
    PAGER: 'cat',
    GIT_PAGER: 'cat',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'safe.directory',
    GIT_CONFIG_VALUE_0: '*',
  };

  const { kept, dropped: args } = filterRunArgs(isStringArray(source.runArgs) ? source.runArgs : [], options.network);
  if (args.length) dropped.push(`runArgs ${args.join(' ')}`);
  const labels = Object.entries(options.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  config.runArgs = [...kept, ...labels, ...(options.network ? [] : ['--network=none'])];
  return { config, workspaceTarget, dropped };
}
