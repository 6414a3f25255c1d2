// One way to run git for our own operations (not the agent's): through simple-git, never prompting for
// credentials, and with failures turned into one readable line.
import { simpleGit, type SimpleGit } from 'simple-git';
import { AgentOsError } from '../../core/errors.ts';

/** Who commits when the repository names nobody: our own identity, never the person's by guess. */
export const agentOsIdentity = { name: 'Agent OS', email: 'agent-os@localhost' } as const;

export interface GitIdentity {
  name: string;
  email: string;
}

export class GitFailedError extends AgentOsError {
  constructor(
    readonly operation: string,
    readonly gitMessage: string,
    options?: { cause?: unknown },
  ) {
    super('GIT_FAILED', redactCredentials(`git ${operation} failed: ${gitMessage}`), options);
  }
}

/** Hides `user:token@` in URLs: a remote URL may carry a token, and messages reach logs and screens. */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]+@/gi, '$1***@');
}

export interface GitClientOptions {
  /** Extra `-c key=value` settings for every command. */
  config?: string[];
  /** Extra environment variables (e.g. GIT_INDEX_FILE); they are explicitly allowed through simple-git's guard. */
  env?: Record<string, string>;
}

// How the person reaches their remotes (ssh, credential prompts of an editor): kept for pushes.
const passThrough = ['GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_ASKPASS', 'SSH_ASKPASS'];
// Variables that make git start other programs or read other config; simple-git refuses them, and an
// ambient one (GIT_DIR inside a hook, EDITOR in a shell) would change what our commands do.
const dropped = /^(GIT_.*|EDITOR|VISUAL|PAGER|PREFIX)$/i;
/** How long git waits for a ref lock another git holds (its default is 100 ms): a git that outlived its
 * killed parent, or the person's own, lets go in a moment, and failing then would stop a resume for nothing. */
const REF_LOCK_WAIT_MS = 5_000;

export function openGit(dir: string, options: GitClientOptions = {}): SimpleGit {
  const extra = options.env ?? {};
  const ambient = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[1] !== undefined && (!dropped.test(e[0]) || passThrough.includes(e[0])),
    ),
  );
  const git = simpleGit({
    baseDir: dir,
    config: [`core.filesRefLockTimeout=${REF_LOCK_WAIT_MS}`, ...(options.config ?? [])],
    allowEnvironment: ['GIT_TERMINAL_PROMPT', ...passThrough, ...Object.keys(extra)],
    unsafe: {
      allowUnsafeSshCommand: true,
      allowUnsafeAskPass: true,
      // Settings passed as GIT_CONFIG_COUNT/KEY/VALUE (a push token) are still checked by simple-git.
      allowUnsafeConfigEnvCount: 'GIT_CONFIG_COUNT' in extra,
    },
  });
  // Credential prompts must never wait on a terminal nobody watches.
  return git.env({ ...ambient, GIT_TERMINAL_PROMPT: '0', ...extra });
}

/** git's own message, reduced to the line that says what went wrong. */
export function gitMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^hint:/i.test(l) && !/^To /.test(l));
  const rejected = lines.find((l) => /\[(remote )?rejected\]/.test(l));
  // The remote's own words (a hook saying why) follow the `remote:` prefix.
  const remoteSays = lines.filter((l) => /^remote:\s*\S/.test(l)).pop();
  if (rejected) return remoteSays ? `${rejected}; ${remoteSays}` : rejected;
  return lines.find((l) => /^(fatal|error):/i.test(l)) ?? remoteSays ?? lines[0] ?? 'unknown error';
}

/** Runs a git operation; any failure becomes a GitFailedError naming the operation. */
export async function runGit<T>(operation: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof GitFailedError) throw error;
    throw new GitFailedError(operation, gitMessage(error), { cause: error });
  }
}
