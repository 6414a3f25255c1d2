// What one confined process may touch, as sandbox-runtime's configuration. Pure: the same function gives
// the policy on Linux (bubblewrap), macOS (Seatbelt) and Windows (a restricted account), so each OS's policy
// is unit-tested here even where only Linux runs for real.
//
// Reads: sandbox-runtime allows reading everywhere except what is denied, and an `allowRead` inside a denied
// region opens it again. We deny the person's home (dotfiles hold tokens and keys), the person's repository
// (its checkout, config and hooks), the whole Agent OS store (every session's log, repository and vault) and
// host sockets; then open exactly: this session's repository (or clean room), this session's vault (the
// objects its clones borrow), the repository's object store (borrowed read-only through alternates), the
// thread's scratch home, and tool folders on PATH that live under a denied folder (nvm, ~/.local/bin).
// Writes: nothing but the writer's repository, the scratch home and its temp folder. The repository's git
// hooks and config are never writable (sandbox-runtime also protects them by default; we name them so it
// holds whatever the working directory is), nor are alternates (they say where borrowed objects live).
// Network: off, or the listed domains through sandbox-runtime's proxy.
import * as path from 'node:path';

export interface ConfinementPaths {
  /** The person's home. */
  home: string;
  /** The person's repository (working tree root). */
  repository: string;
  /** Its git object store, borrowed read-only by session repositories. */
  repositoryObjects: string;
  /** Agent OS's store for this repository (logs, session repositories, vaults). */
  store: string;
  /** The repository the process works in (the session's, a clean room, a child). */
  workdir: string;
  /** This session's vault (host-owned git data; readable so clones can borrow its objects). */
  vault: string;
  /** The thread's scratch home (HOME inside); also holds TMPDIR. */
  scratchHome: string;
  /** PATH as the process will see it. */
  searchPath: string;
  /** The folder of the Node.js running our tool server (it may live under the home). */
  nodeDir?: string;
  /** Further folders to open read-only (an environment's dependency cache). */
  extraReadable?: readonly string[];
}

export interface ConfinementRequest {
  paths: ConfinementPaths;
  /** Writers change `workdir`; readers change nothing but their scratch home. */
  writable: boolean;
  /** Domains reachable through the proxy; `['*']` for any; empty for none. */
  allowedDomains: readonly string[];
  platform: NodeJS.Platform;
}

/** sandbox-runtime's configuration shape (the subset we set; its schema validates the rest). */
export interface ConfinementPolicy {
  filesystem: { denyRead: string[]; allowRead: string[]; allowWrite: string[]; denyWrite: string[] };
  network: { allowedDomains: string[]; deniedDomains: string[] };
}

/** The manager's process-wide policy, and the OS sandbox probe's: nothing written, no network. */
export const ALLOWS_NOTHING: ConfinementPolicy = {
  filesystem: { denyRead: [], allowRead: [], allowWrite: [], denyWrite: [] },
  network: { allowedDomains: [], deniedDomains: [] },
};

function pathOps(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** Folders on PATH below a denied folder, kept readable: the `bin` folder and its sibling `lib` (npm under
 * nvm links into ../lib), never the whole parent, which may hold credentials (~/.cargo/credentials.toml). */
export function toolFoldersUnder(denied: readonly string[], searchPath: string, platform: NodeJS.Platform): string[] {
  const p = pathOps(platform);
  const delimiter = platform === 'win32' ? ';' : ':';
  const keep = new Set<string>();
  for (const entry of searchPath.split(delimiter)) {
    if (!entry || !p.isAbsolute(entry)) continue;
    if (!denied.some((d) => isWithin(d, entry, platform))) continue;
    keep.add(p.normalize(entry));
    if (p.basename(entry) === 'bin') keep.add(p.join(p.dirname(entry), 'lib'));
  }
  return [...keep];
}

export function isWithin(root: string, candidate: string, platform: NodeJS.Platform = process.platform): boolean {
  const p = pathOps(platform);
  const rel = p.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !p.isAbsolute(rel));
}

export function confinementPolicy(request: ConfinementRequest): ConfinementPolicy {
  const { paths, platform } = request;
  const p = pathOps(platform);
  const denied = [paths.home, paths.repository, paths.store];
  // Host sockets (docker's, the session bus) and per-user runtime files: a read-only mount would not make a
  // socket unusable.
  if (platform === 'linux') denied.push('/run', '/var/run');
  if (platform === 'darwin') denied.push('/private/var/run');
  const readable = [
    paths.workdir,
    paths.vault,
    paths.repositoryObjects,
    paths.scratchHome,
    ...toolFoldersUnder(denied, paths.searchPath, platform),
    ...(paths.nodeDir ? [paths.nodeDir] : []),
    ...(paths.extraReadable ?? []),
  ];
  const gitDir = p.join(paths.workdir, '.git');
  return {
    filesystem: {
      denyRead: unique(denied),
      allowRead: unique(readable),
      allowWrite: request.writable ? [paths.workdir, paths.scratchHome] : [paths.scratchHome],
      denyWrite: [p.join(gitDir, 'config'), p.join(gitDir, 'hooks'), p.join(gitDir, 'objects', 'info', 'alternates')],
    },
    network: { allowedDomains: [...request.allowedDomains], deniedDomains: [] },
  };
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
