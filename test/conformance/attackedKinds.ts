// The sandbox kinds the attack suite (sandboxAttacks.ts) runs over, each with what it needs here: the OS
// sandbox (sandbox-runtime), the repository's dev container (the real engine and @devcontainers/cli on the
// local base image), and unconfined. A kind this machine cannot run is skipped with the reason, or fails
// under AGENT_OS_REQUIRE_ALL=1 (test/support/requirements.ts, test/devcontainer/dockerEngine.ts).
import type { SandboxKind } from '../../src/core/sandbox/sandbox.ts';
import { acquireEngine } from '../devcontainer/dockerEngine.ts';
import { devcontainerJson } from '../environment/environmentKinds.ts';
import { requireOsSandbox, requireTool } from '../support/requirements.ts';
import type { AttackedKind } from './sandboxAttacks.ts';

// Keyed by every SandboxKind, so a new kind does not type-check until it is attacked too (`bubblewrap` is the
// OS sandbox's old name).
export const ATTACKED_KINDS: Record<Exclude<SandboxKind, 'bubblewrap'>, AttackedKind> = {
  os: {
    setting: 'os',
    name: 'the OS sandbox',
    ownShell: true,
    async available() {
      const why = (await requireOsSandbox()) || requireTool('python3');
      return why ? { skip: why } : { env: {} };
    },
  },
  devcontainer: {
    setting: 'devcontainer',
    name: 'a dev container',
    ownShell: true,
    async available() {
      const engine = await acquireEngine();
      const why = engine.skip || requireTool('python3');
      return why ? { skip: why } : { env: { DOCKER_HOST: engine.dockerHost } };
    },
    files: { '.devcontainer/devcontainer.json': devcontainerJson() },
  },
  worktree: {
    setting: 'worktree',
    name: 'unconfined, the file tools alone',
    ownShell: false,
    available: async () => ({ env: {} }),
  },
};
