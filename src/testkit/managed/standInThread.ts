// What a stand-in platform session is made of: its events as the platform stores them (and on which streams
// they go), its threads with what each waits for, and the platform's kind of ids.
import type { BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { randomBytes } from 'node:crypto';

export type PlatformEvent = { id: string; type: string; processed_at: string | null; [key: string]: unknown };

export interface StoredEvent {
  event: PlatformEvent;
  /** The thread whose stream the event belongs to. */
  thread: string;
  /** On the session-level stream: the primary thread's events and what children cross-post. */
  onSession: boolean;
}

export interface Thread {
  id: string;
  agent: BetaManagedAgentsAgent;
  parent: string | null;
  status: 'idle' | 'running' | 'terminated';
  messages: MessageParam[];
  /** Client answers this thread waits for (tool results, confirmations), by event id. */
  blockedOn: Set<string>;
  /** Delegations to children still running. */
  waitingOnChildren: number;
  inTurn: boolean;
  interrupted: boolean;
  children: Map<string, Thread>;
  /** Turns of one thread run one after another. */
  chain: Promise<unknown>;
}

export interface Waiter {
  kind: 'tool_result' | 'custom_tool_result' | 'confirmation';
  thread: Thread;
  resolve(answer: { text: string; isError: boolean; allow?: boolean; denyMessage?: string }): void;
}

export function platformId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

export function newThread(agent: BetaManagedAgentsAgent, parent: string | null): Thread {
  return {
    id: platformId('sthr'),
    agent,
    parent,
    status: 'idle',
    messages: [],
    blockedOn: new Set(),
    waitingOnChildren: 0,
    inTurn: false,
    interrupted: false,
    children: new Map(),
    chain: Promise.resolve(),
  };
}
