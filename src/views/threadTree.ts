// The session's threads as a tree for the terminal: who delegated to whom, status, usage and cost.
import type { SessionState, ThreadState } from '../core/session/sessionState.ts';
import { totalTokens } from '../core/session/sessionState.ts';

export function renderThreadTree(state: SessionState): string[] {
  const threads = Object.values(state.threads);
  const children = (parent: string | null): ThreadState[] => threads.filter((t) => t.parentThreadId === parent);
  const lines: string[] = [];
  const walk = (thread: ThreadState, prefix: string, connector: string): void => {
    lines.push(`${prefix}${connector}${describe(thread)}`);
    const kids = children(thread.id);
    const nextPrefix = prefix + (connector === '' ? '' : connector === '└─ ' ? '   ' : '│  ');
    kids.forEach((kid, i) => walk(kid, nextPrefix, i === kids.length - 1 ? '└─ ' : '├─ '));
  };
  for (const root of children(null)) walk(root, '', '');
  lines.push(
    `total: ${formatTokens(totalTokens(state.usage))} tokens, $${state.usage.cost_usd.toFixed(4)}, ${state.usage.model_requests} model requests`,
  );
  return lines;
}

function describe(t: ThreadState): string {
  const status = t.status === 'idle' && t.stopReason?.type === 'requires_action' ? 'waiting for you' : t.status;
  return `${t.agentName}${t.agentVersion ? ` v${t.agentVersion}` : ''} — ${status}, ${t.usage.model_requests} requests, ${formatTokens(totalTokens(t.usage))} tokens, $${t.usage.cost_usd.toFixed(4)}`;
}

function formatTokens(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}
