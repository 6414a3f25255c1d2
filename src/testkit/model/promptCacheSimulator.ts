// Simulates the API's prompt cache for the scripted model server, so tests and benches can see whether a
// harness repeats its previous request's prefix byte for byte. A request's prefix is the byte sequence of
// its blocks in cache order (tools, system, messages) with `cache_control` left out, as the API keys it.
// Each breakpoint writes the prefix up to it; a later request reads the longest written prefix it repeats.
// Tokens are estimated at about 4 bytes each.
import { createHash, type Hash } from 'node:crypto';
import type { ModelUsage } from '../../core/events/sessionEvent.ts';

export const BYTES_PER_TOKEN = 4;

export interface CacheAccount {
  usage: Omit<ModelUsage, 'output_tokens'>;
  /** Bytes of the request's prefix (all its blocks). */
  total_bytes: number;
  /** Bytes read from the cache: the longest earlier-written prefix this request repeats. */
  cache_read_bytes: number;
  /** Bytes from there up to this request's last breakpoint, written now. */
  cache_write_bytes: number;
  breakpoints: number;
}

export function estimateTokens(bytes: number): number {
  return Math.ceil(bytes / BYTES_PER_TOKEN);
}

export class PromptCacheSimulator {
  /** Hashes of written prefixes (model + bytes). The real cache expires after minutes; a test never does. */
  private readonly written = new Set<string>();

  account(body: Record<string, unknown>): CacheAccount {
    const segments = segmentsOf(body);
    const hash: Hash = createHash('sha256').update(String(body.model)).update('\0');
    const boundaries: { bytes: number; digest: string; breakpoint: boolean }[] = [];
    let bytes = 0;
    for (const segment of segments) {
      hash.update(segment.text);
      bytes += Buffer.byteLength(segment.text);
      boundaries.push({ bytes, digest: hash.copy().digest('hex'), breakpoint: segment.breakpoint });
    }
    let lastBreakpoint = -1;
    boundaries.forEach((b, i) => {
      if (b.breakpoint) lastBreakpoint = i;
    });
    // No breakpoint: the API neither reads nor writes the cache.
    let readBytes = 0;
    if (lastBreakpoint >= 0) {
      for (let i = lastBreakpoint; i >= 0; i--) {
        const boundary = boundaries[i];
        if (boundary && this.written.has(boundary.digest)) {
          readBytes = boundary.bytes;
          break;
        }
      }
    }
    const upToLastBreakpoint = lastBreakpoint >= 0 ? (boundaries[lastBreakpoint]?.bytes ?? 0) : 0;
    const writeBytes = Math.max(0, upToLastBreakpoint - readBytes);
    for (const b of boundaries) if (b.breakpoint) this.written.add(b.digest);

    const total = estimateTokens(bytes);
    const read = estimateTokens(readBytes);
    const created = estimateTokens(readBytes + writeBytes) - read;
    return {
      usage: {
        input_tokens: Math.max(0, total - read - created),
        cache_creation_input_tokens: created,
        cache_read_input_tokens: read,
      },
      total_bytes: bytes,
      cache_read_bytes: readBytes,
      cache_write_bytes: writeBytes,
      breakpoints: boundaries.filter((b) => b.breakpoint).length,
    };
  }
}

interface Segment {
  text: string;
  breakpoint: boolean;
}

/** The request's blocks in the order the cache sees them, each as the bytes the client sent. */
function segmentsOf(body: Record<string, unknown>): Segment[] {
  const out: Segment[] = [];
  const push = (prefix: string, block: unknown): void => {
    const hasBreakpoint = isObject(block) && block.cache_control !== undefined && block.cache_control !== null;
    out.push({ text: prefix + JSON.stringify(withoutCacheControl(block)), breakpoint: hasBreakpoint });
  };
  if (Array.isArray(body.tools)) for (const tool of body.tools) push('tool:', tool);
  if (typeof body.system === 'string') push('system:', { type: 'text', text: body.system });
  else if (Array.isArray(body.system)) for (const block of body.system) push('system:', block);
  if (Array.isArray(body.messages)) {
    for (const message of body.messages) {
      if (!isObject(message)) continue;
      const content = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
      if (!Array.isArray(content)) continue;
      content.forEach((block, i) => push(i === 0 ? `${String(message.role)}:` : '', block));
    }
  }
  return out;
}

function withoutCacheControl(block: unknown): unknown {
  if (!isObject(block) || !('cache_control' in block)) return block;
  const { cache_control: _ignored, ...rest } = block;
  return rest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
