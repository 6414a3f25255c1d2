// The offline demo end to end. Everything it uses is real: git repositories, the HTTP GitHub stand-in,
// the Messages API spoken over HTTP by the scripted model server (or the real API), sandboxes.
import { suiteRunLine } from '../views/supervisionEventText.ts';
import { Anthropic } from '@anthropic-ai/sdk';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EventOfType } from '../core/events/sessionEvent.ts';
import type { LogFold } from '../core/session/logFold.ts';
import { readSessionState } from '../core/session/sessionStateFold.ts';
import { UNCONFINED_NOTICE } from '../core/tools/unconfinedTools.ts';
import { demoModelScript } from '../testkit/demo/demoScript.ts';
import { createSampleRepository } from '../testkit/demo/sampleRepository.ts';
import { diffCommits } from '../node/git/worktreeDiff.ts';
import { GitHubStandIn } from '../testkit/github/githubStandIn.ts';
import { parseModelScript } from '../testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../testkit/model/scriptedModelServer.ts';
import { createLocalRuntime } from '../node/runtime/localRuntime.ts';
import { FileSessionStore } from '../node/session/fileSessionStore.ts';
import { VIEW_FOLDS } from '../views/viewFolds.ts';
import { managedDemoModelScript } from '../testkit/managed/managedDemoScript.ts';
import { localDemoBackend, startManagedDemoBackend } from '../testkit/demo/demoBackends.ts';
import { printProgress } from './progressPrinter.ts';
import { renderThreadTree } from '../views/threadTree.ts';

/** The session's last error, for the line that says why it stopped: folded over the log in windows. */
const LAST_ERROR_FOLD: LogFold<{ last?: EventOfType<'session.error'> }> = {
  name: 'demo-last-error',
  version: 1,
  start: () => ({}),
  apply: (state, event) => {
    if (event.type === 'session.error') state.last = event;
  },
  save: (state) => state,
  load: (saved) =>
    typeof saved === 'object' && saved !== null ? (saved as { last?: EventOfType<'session.error'> }) : undefined,
};

export interface DemoOptions {
  dir?: string;
  keep: boolean;
  paceMs: number;
  bubblewrap: 'auto' | 'off';
  /** `managed`: the agent loop on the platform stand-in, the tools on this machine's worker. */
  backend?: 'local' | 'managed';
  out(line: string): void;
  env: NodeJS.ProcessEnv;
}

/** The Messages API the real model would be reached at (ANTHROPIC_BASE_URL, else the SDK's own default). */
function realModelUrl(env: NodeJS.ProcessEnv): string {
  return env.ANTHROPIC_BASE_URL || new Anthropic({ apiKey: 'unused' }).baseURL;
}

/** Why the real model cannot be reached, or undefined when it answers at all (any HTTP status will do). A
 * demo without network would otherwise spend its retries (many seconds) before saying anything. */
async function unreachable(url: string): Promise<string | undefined> {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? (error as Error).message;
  }
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const { out } = options;
  if (options.backend !== 'managed' && options.env.ANTHROPIC_API_KEY) {
    const url = realModelUrl(options.env);
    const why = await unreachable(url);
    if (why) {
      out(
        `Agent OS demo: ANTHROPIC_API_KEY is set, so the demo would use the real model, but ${url} cannot be reached (${why}). ` +
          'Nothing was started. Unset ANTHROPIC_API_KEY to run the demo offline with the scripted model.',
      );
      return 1;
    }
  }
  const dir = options.dir ? resolve(options.dir) : mkdtempSync(join(tmpdir(), 'agent-os-demo-'));
  const sample = await createSampleRepository(dir);
  const github = await GitHubStandIn.start({ repositories: [sample.standInRepository] });
  const managed = options.backend === 'managed';
  const realModel = !managed && Boolean(options.env.ANTHROPIC_API_KEY);
  const scriptFor = managed ? managedDemoModelScript : demoModelScript;
  const scripted = realModel
    ? undefined
    : await ScriptedModelServer.start({ script: parseModelScript(scriptFor(options.paceMs)) });
  const storeDir = join(dir, 'sessions');
  const parts = {
    storeDir,
    store: new FileSessionStore(storeDir, { folds: VIEW_FOLDS }),
    github: { apiUrl: github.baseUrl, token: 'demo-token', localRemotes: sample.localRemotes },
    bubblewrap: options.bubblewrap,
  };
  const backend = managed
    ? await startManagedDemoBackend(parts, scripted as ScriptedModelServer)
    : localDemoBackend(
        createLocalRuntime({
          ...parts,
          model: scripted
            ? { apiKey: 'scripted', baseURL: scripted.url }
            : {
                apiKey: options.env.ANTHROPIC_API_KEY as string,
                ...(options.env.ANTHROPIC_BASE_URL ? { baseURL: options.env.ANTHROPIC_BASE_URL } : {}),
              },
        }),
      );
  const { runtime, store } = backend;
  const progress = new AbortController();
  try {
    out(
      `Agent OS demo — ${realModel ? 'real model (ANTHROPIC_API_KEY is set)' : 'scripted model server at ' + scripted?.url}`,
    );
    if (backend.platformUrl)
      out(`platform stand-in: ${backend.platformUrl} (Claude Managed Agents API; tools run by this machine's worker)`);
    out(`sample repository: ${sample.workdir} (origin: ${sample.barePath})`);
    out(`GitHub stand-in:   ${github.baseUrl}`);
    out(`issue:             ${sample.owner}/${sample.repo}#${sample.issue.number} — ${sample.issue.title}\n`);
    const meta = await runtime.start({
      issue: `${sample.owner}/${sample.repo}#${sample.issue.number}`,
      repository: sample.workdir,
    });
    out(`session ${meta.id}`);
    // The log is read through its folds (a checkpoint and the records after it), never whole.
    const configured = (await readSessionState(store, meta.id)).state.configured;
    if (configured) {
      out(`sandbox: ${configured.sandbox.kind}${configured.sandbox.detail ? ` — ${configured.sandbox.detail}` : ''}`);
      if (!configured.sandbox.confined && scripted && !managed)
        out(`${UNCONFINED_NOTICE}; the demo answers Allow for you to its own scripted commands`);
    }
    const printing = printProgress(store, meta.id, out, progress.signal);
    let stop = await runtime.settled(meta.id);
    let state = (await readSessionState(store, meta.id)).state;
    for (;;) {
      if (stop?.type !== 'requires_action') break;
      const waiting = stop.event_ids;
      // Unconfined, every command asks: the scripted commands are the demo's own, so it answers them.
      const asking = Object.values(state.threads)
        .flatMap((t) => [...t.pendingToolUses.values()])
        .filter((use) => use.evaluated_permission === 'ask' && waiting.includes(use.id));
      const verdict = state.latestVerdict;
      if (scripted && asking.length > 0) {
        for (const use of asking) {
          const input = (use.input ?? {}) as { command?: unknown; step_id?: unknown };
          out(
            `  the demo allows: ${use.name} ${String(input.command ?? (input.step_id !== undefined ? `step ${String(input.step_id)} (Agent OS runs its validation)` : ''))}`,
          );
          await runtime.confirmTool(meta.id, use.id, true);
        }
      } else if (verdict && waiting.includes(verdict.id) && !state.latestApproval) {
        out(
          `\nThe Reviewer's verdict waits for a person. The demo approves it for you (in VS Code and with \`agent-os run\`, you decide).`,
        );
        await runtime.approve(meta.id, verdict.id);
      } else break;
      state = (await readSessionState(store, meta.id)).state;
      stop = state.stopReason;
    }
    await new Promise((r) => setTimeout(r, 300));
    progress.abort();
    await printing.catch(() => undefined);

    out('\n== threads');
    for (const line of renderThreadTree(state)) out(line);
    const finalVerdict = state.latestVerdict;
    if (finalVerdict) {
      const v = finalVerdict.verdict;
      out('\n== verdict');
      out(`${v.decision}: ${v.summary}`);
      out(
        `evidence: base ${finalVerdict.evidence.base_commit.slice(0, 12)}, head ${finalVerdict.evidence.head_commit.slice(0, 12)}, diff sha256 ${finalVerdict.evidence.diff_sha256.slice(0, 16)}, ${finalVerdict.evidence.test_run_event_ids.length} test run(s)`,
      );
      out(`test suite: ${suiteRunLine(finalVerdict.evidence.suite_run, finalVerdict.evidence.suite_run_note)}`);
    }
    const pr = state.pullRequest;
    if (pr) {
      const diff = await diffCommits(sample.barePath, sample.baseCommit, pr.head_commit);
      out('\n== diff');
      for (const f of diff.files) out(`${f.status} ${f.path} (+${f.additions ?? 0} −${f.deletions ?? 0})`);
      out('\n== pull request');
      const opened = github.pullRequests().find((p) => p.number === pr.number) as
        | { title: string; head: string; base: string }
        | undefined;
      out(`#${pr.number} ${opened?.title ?? ''}`);
      out(`${pr.url}  (${opened?.head ?? pr.branch} → ${opened?.base ?? ''}, head ${pr.head_commit.slice(0, 12)})`);
      return 0;
    }
    const error = (await store.readFolded(meta.id, LAST_ERROR_FOLD)).state.last;
    out(
      `\nthe session stopped without a pull request (${stop?.type ?? 'unknown'})${error ? `: ${error.error.message}` : ''}`,
    );
    // Without --keep the folder is removed below: pointing at it would send the person to nothing.
    out(
      options.keep
        ? `see: agent-os sessions show ${meta.id} --store ${storeDir}`
        : 'run `agent-os demo --keep` to keep the session for agent-os sessions show',
    );
    return 1;
  } finally {
    progress.abort();
    await backend.close();
    await github.close();
    await scripted?.close();
    if (options.keep) {
      out(`\nkept: ${dir}`);
      // The session store is inside the kept folder, not in the sample repository's .git: name it.
      out(`its sessions: agent-os sessions list --store ${storeDir}`);
    } else rmSync(dir, { recursive: true, force: true });
  }
}

export type { EventOfType };
