// `@devcontainers/cli`, run as users run it: `devcontainer up` makes (or finds, by its id labels) the
// container; `devcontainer exec` starts processes in it with the configuration's user and environment.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AgentOsError } from '../../../core/errors.ts';
import { engineError, firstLine } from './dockerCli.ts';

export interface DevcontainerCliOptions {
  /** The CLI: a `.js` file run with `nodePath`, or an executable. Default: the installed
   * `@devcontainers/cli` package, else `devcontainer` on PATH. */
  cliPath?: string;
  /** Node to run a `.js` CLI with; default this process' (VS Code's runs as Node with ELECTRON_RUN_AS_NODE). */
  nodePath?: string;
  /** Environment of the CLI and the docker commands it runs. Never the full parent environment: the CLI
   * expands `${localEnv:…}` from it into the container. */
  env: NodeJS.ProcessEnv;
  dockerPath?: string;
}

export interface UpRequest {
  workspaceFolder: string;
  /** The repository's devcontainer.json (build paths resolve from it). */
  configFile: string;
  /** The hardened configuration actually used. */
  overrideConfigFile: string;
  idLabels: Record<string, string>;
  /** Where the CLI keeps its own state (never the user's). */
  userDataFolder: string;
  /** The image the configuration names, to say so when it cannot be found. */
  image?: string;
}

type WorkspaceRequest = Pick<UpRequest, 'workspaceFolder' | 'configFile' | 'overrideConfigFile' | 'userDataFolder'>;

/** The arguments `up` and `exec` share: which workspace, which configuration, where the CLI keeps state. */
function workspaceArgs(request: WorkspaceRequest): string[] {
  return [
    '--workspace-folder',
    request.workspaceFolder,
    '--config',
    request.configFile,
    '--override-config',
    request.overrideConfigFile,
    // The worktree itself, not whatever git root contains it.
    '--mount-workspace-git-root',
    'false',
    '--user-data-folder',
    request.userDataFolder,
  ];
}

export interface UpResult {
  containerId: string;
  remoteUser: string;
  remoteWorkspaceFolder: string;
}

export class DevcontainerUpError extends AgentOsError {
  constructor(
    message: string,
    /** Everything the CLI printed, for the log file. */
    readonly output: string,
  ) {
    super('SANDBOX_UNAVAILABLE', message);
  }
}

export function resolveCliPath(configured?: string): string {
  if (configured) return configured;
  try {
    return require.resolve('@devcontainers/cli/devcontainer.js');
  } catch {
    return 'devcontainer';
  }
}

const IMAGE_MISSING =
  /pull access denied|manifest unknown|manifest for .* not found|no such image|repository does not exist|failed to resolve reference|not found: manifest|lookup .*(no such host|server misbehaving)|temporary failure in name resolution|dial tcp|i\/o timeout|network is unreachable/i;

export class DevcontainerCli {
  readonly cliPath: string;
  private readonly nodePath: string;

  constructor(private readonly options: DevcontainerCliOptions) {
    this.cliPath = resolveCliPath(options.cliPath);
    this.nodePath = options.nodePath ?? process.execPath;
  }

  private command(args: string[]): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
    const common = this.options.dockerPath ? ['--docker-path', this.options.dockerPath] : [];
    const [sub, ...rest] = args;
    const full = [sub as string, ...common, ...rest];
    if (this.cliPath.endsWith('.js')) {
      return {
        file: this.nodePath,
        args: [this.cliPath, ...full],
        env: { ...this.options.env, ELECTRON_RUN_AS_NODE: '1' },
      };
    }
    return { file: this.cliPath, args: full, env: this.options.env };
  }

  private missingCli(): AgentOsError {
    return new AgentOsError(
      'MISSING_TOOL',
      `the dev container CLI is not installed (${this.cliPath}): install it (npm install -g @devcontainers/cli) or set the sandbox to bubblewrap or worktree, then resume the session`,
    );
  }

  /** `devcontainer up`: finds the container carrying `idLabels` (starting it if stopped) or makes it. Its
   * lifecycle commands are not run here: they are the session's set-up, which Agent OS runs once, in the set-up's
   * container with the network, and caches (environmentPlan.ts); agents' containers are offline, where an
   * `npm ci` in postCreateCommand could only fail. */
  up(request: UpRequest, signal?: AbortSignal): Promise<UpResult> {
    if (this.cliPath.endsWith('.js') && !existsSync(this.cliPath)) return Promise.reject(this.missingCli());
    const args = [
      'up',
      ...workspaceArgs(request),
      '--skip-post-create',
      '--log-format',
      'json',
      ...Object.entries(request.idLabels).flatMap(([k, v]) => ['--id-label', `${k}=${v}`]),
    ];
    const cmd = this.command(args);
    return new Promise((resolve, reject) => {
      const child = spawn(cmd.file, cmd.args, { env: cmd.env, stdio: ['ignore', 'pipe', 'pipe'], signal });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') reject(this.missingCli());
        else reject(new DevcontainerUpError(`the dev container did not start: ${error.message}`, stderr));
      });
      child.on('close', (code) => {
        const outcome = parseOutcome(stdout);
        if (code === 0 && outcome?.outcome === 'success' && typeof outcome.containerId === 'string') {
          resolve({
            containerId: outcome.containerId,
            remoteUser: typeof outcome.remoteUser === 'string' ? outcome.remoteUser : 'root',
            remoteWorkspaceFolder: String(outcome.remoteWorkspaceFolder ?? ''),
          });
          return;
        }
        const text = [outcome?.message, outcome?.description, logText(stderr)].filter(Boolean).join('\n');
        reject(classifyUpFailure(text, request, this.options.env, `${stdout}\n${stderr}`));
      });
    });
  }

  /** Starts `command` inside the container through `devcontainer exec` (its user, env and workdir). */
  exec(request: WorkspaceRequest & { containerId: string }, command: string[]): ChildProcessWithoutNullStreams {
    const cmd = this.command(['exec', '--container-id', request.containerId, ...workspaceArgs(request), ...command]);
    // detached: the CLI and its docker client form one process group the shell's killer can end at once.
    return spawn(cmd.file, cmd.args, { env: cmd.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  }
}

function parseOutcome(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.split('\n').filter((l) => l.trim().startsWith('{'));
  for (const line of lines.reverse()) {
    try {
      const value = JSON.parse(line) as Record<string, unknown>;
      if ('outcome' in value) return value;
    } catch {
      // not the outcome line
    }
  }
  return undefined;
}

/** The texts of the CLI's JSON log records (its `--log-format json` stderr). */
function logText(stderr: string): string {
  const out: string[] = [];
  for (const line of stderr.split('\n')) {
    try {
      const rec = JSON.parse(line) as { text?: unknown };
      if (typeof rec.text === 'string' && rec.text.trim()) out.push(rec.text);
    } catch {
      if (line.trim()) out.push(line);
    }
  }
  return out.slice(-40).join('\n');
}

export function classifyUpFailure(
  text: string,
  request: UpRequest,
  env: NodeJS.ProcessEnv,
  output: string,
): AgentOsError {
  const engine = engineError(text, env);
  if (engine) return engine;
  if (request.image && IMAGE_MISSING.test(text)) {
    return new DevcontainerUpError(
      `the dev container image "${request.image}" cannot be found: it is not on this machine and could not be pulled; pull, load or build it (docker pull ${request.image}), then resume the session`,
      output,
    );
  }
  const reason = firstLine(text.split('\n').find((l) => /error/i.test(l)) ?? text) || 'no reason given';
  return new DevcontainerUpError(
    `the dev container did not start: ${reason}; fix the configuration or Docker, then resume the session`,
    output,
  );
}
