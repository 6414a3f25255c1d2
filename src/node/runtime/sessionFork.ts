// A fork of a session from one of its events (`agent-os fork`, the Event Log's Fork from Here): its files first
// (the fork's vault and record, at the commit sessionFork.ts picks), then its log in one creation (the source's
// events through the fork point and `agent_os.session_forked`), so a fork is never seen without its files. The
// source is only read and may keep running. The fork is not started here: resuming it wakes it at that event.
import { StateCorruptError } from '../../core/errors.ts';
import { newId } from '../../core/events/ids.ts';
import { ForkPointFinder, forkedEvent } from '../../core/pipeline/sessionFork.ts';
import { logPages } from '../../core/session/logPages.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import { repositoryOf } from './harnessAssembly.ts';
import type { AgentOsRuntimeOptions } from './runtimeOptions.ts';

export async function forkSession(options: AgentOsRuntimeOptions, sourceId: string, at: string): Promise<SessionMeta> {
  const meta = await options.store.get(sourceId);
  const repository = repositoryOf(meta);
  // Page by page, up to the point (and the session's start): a long log is never held whole.
  const finder = new ForkPointFinder(sourceId, at);
  for await (const page of logPages(options.store, sourceId, Number.MAX_SAFE_INTEGER)) {
    for (const event of page) finder.add(event);
    if (finder.done) break;
  }
  const point = finder.point();
  const { created, configured } = finder;
  if (!created || !configured) {
    throw new StateCorruptError(`session ${sourceId} was never started; there is nothing to fork`);
  }
  const forkId = newId('sesn');
  const files = await options.sandboxes(repository, configured.sandbox.kind).fork(sourceId, forkId, point.filesCommit);
  return options.store.fork(sourceId, {
    throughSeq: point.event.seq,
    session: {
      id: forkId,
      title: `${meta.title} (fork at ${point.event.seq})`,
      ...(meta.source ? { source: meta.source } : {}),
      repository,
      metadata: { ...meta.metadata, forked_from: sourceId, forked_at: point.event.id },
    },
    append: [forkedEvent(point, sourceId, created.thread, files.commit)],
  });
}
