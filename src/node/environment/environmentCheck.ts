// `agent-os env check` (and the Threads view's Check Environment): only the set-up and the test command, in
// a throw-away session of the kind agents would use, so a person can check an environment before a session.
// The test runs as the Reviewer's does: in a clean room at the checked commit, read-only, with the agents'
// network (none unless the environment file names domains).
import { randomUUID } from 'node:crypto';
import { describeError } from '../../core/errors.ts';
import type { SessionSandboxes } from '../../core/sandbox/sessionSandboxes.ts';
import { agentNetwork } from './agentNetwork.ts';
import { describePlan, resolveEnvironmentPlan } from './environmentPlan.ts';
import { runSetup } from './environmentSetup.ts';
import type { SessionEnvironment } from './sessionEnvironment.ts';
import { setupNeedsConsent } from './setupConsent.ts';
import { runCommands } from './setupRun.ts';

export interface CheckOptions {
  repository: string;
  environment: SessionEnvironment;
  sandboxes: SessionSandboxes;
  sandboxKind: string;
  /** Run the set-up even when the cache has its result. */
  ignoreCache?: boolean;
  /** Whether a set-up that asks may run (asked, or `--accept-setup`); remembered like a session's confirmation. */
  confirm(description: string): Promise<boolean>;
  /** Progress lines, and the commands' output as it comes. */
  out(line: string): void;
  output?(text: string): void;
  signal?: AbortSignal;
}

export interface CheckResult {
  ok: boolean;
  setupOk: boolean;
  testOk?: boolean;
  cached?: boolean;
  testCommand?: string;
  message: string;
}

export async function checkEnvironment(options: CheckOptions): Promise<CheckResult> {
  const { environment, sandboxes, out } = options;
  const sessionId = `envcheck-${randomUUID().slice(0, 12)}`;
  try {
    const { worktree, baseCommit } = await sandboxes.workspace(sessionId);
    const plan = await resolveEnvironmentPlan(worktree, { sandboxKind: options.sandboxKind });
    out(
      `environment of ${options.repository} at ${baseCommit.slice(0, 12)} (from ${plan.source === 'environment_file' ? plan.file : plan.source})`,
    );
    for (const line of describePlan(plan).split('\n')) out(`  ${line}`);
    const asks = setupNeedsConsent(plan, options.sandboxKind);
    if (asks && !(await environment.consent.isConfirmed(options.repository, plan.setup))) {
      if (!(await options.confirm(`${asks}:\n${describePlan(plan)}`))) {
        return {
          ok: false,
          setupOk: false,
          message: `the set-up was not confirmed (${asks}): give --accept-setup, or describe it in .agents/environment.yaml`,
        };
      }
      await environment.consent.remember(options.repository, plan.setup);
    }
    const setup = await runSetup({
      sessionId,
      repository: options.repository,
      plan,
      sandboxes,
      sandboxKind: options.sandboxKind,
      cache: environment.cache,
      stagingDir: environment.stagingDir,
      ...(options.ignoreCache ? { ignoreCache: true } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      reporter: {
        started: async (info) =>
          out(
            `set-up: running ${info.commands.length} command(s); network for ${info.allowedDomains.join(', ') || "the sandbox's default"}`,
          ),
        output: async (_index, text) => options.output?.(text),
      },
    });
    if (!setup.ok) {
      out(`set-up failed: ${setup.message}`);
      if (setup.tail) for (const line of setup.tail.split('\n')) out(`  | ${line}`);
      return { ok: false, setupOk: false, message: setup.message };
    }
    out(
      `set-up: ready${setup.cached ? ' from the cache' : ''} in ${(setup.durationMs / 1000).toFixed(1)} s${setup.dependencyDirs.length ? ` (${setup.dependencyDirs.join(', ')})` : ''}`,
    );
    if (!plan.test)
      return {
        ok: true,
        setupOk: true,
        cached: setup.cached,
        message: 'set-up passed; no test command is known (name one as `test:` in .agents/environment.yaml)',
      };

    const agentDomains = agentNetwork(setup.agentDomains, options.sandboxKind).domains;
    const given = environment.wrap(sandboxes, options.repository, sessionId, () => ({
      cache_key: setup.cacheKey,
      dependency_dirs: setup.dependencyDirs,
      copied_files: setup.copiedFiles,
      agent_domains: agentDomains,
    }));
    const commit = (await sandboxes.changes(sessionId)).head;
    const sandbox = await given.open({
      sessionId,
      threadId: 'test-run',
      workspace: { kind: 'clean_room', commit },
      access: 'read_only',
      network: false,
      enabledTools: ['bash'],
    });
    try {
      out(
        `test: ${plan.test} (a clean room at ${commit.slice(0, 12)}, ${agentDomains.length ? `network: ${agentDomains.join(', ')}` : 'no network'})`,
      );
      const run = await runCommands({
        sandbox,
        commands: [plan.test],
        env: plan.env,
        timeoutMs: plan.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        onOutput: (_index, text) => options.output?.(text),
      });
      const outcome = run.outcomes[0];
      if (!run.ok) {
        const message = `the test command failed (${outcome?.reason ?? `exit code ${outcome?.exitCode ?? '?'}`})`;
        out(message);
        return { ok: false, setupOk: true, testOk: false, cached: setup.cached, testCommand: plan.test, message };
      }
      out('test: passed');
      return {
        ok: true,
        setupOk: true,
        testOk: true,
        cached: setup.cached,
        testCommand: plan.test,
        message: 'set-up and tests passed',
      };
    } finally {
      await sandbox.dispose();
    }
  } catch (error) {
    const message = describeError(error);
    out(`environment check failed: ${message}`);
    return { ok: false, setupOk: false, message };
  } finally {
    // Its repository, vault and any branch: a check leaves nothing in the person's repository.
    await sandboxes.removeSession(sessionId).catch(() => undefined);
  }
}
