// The tool server's wire format: one JSON object per line each way. The harness sends a call, the server
// (inside the sandbox) answers with the tool's outcome under the same id; answers may come in any order.
import type { ToolCall, ToolOutcome } from '../../core/sandbox/sandbox.ts';

export interface ToolServerRequest extends ToolCall {
  id: number;
}

export interface ToolServerResponse extends ToolOutcome {
  id: number;
}

/** What the server is told at start (as one JSON argument): how to confine paths, as createFileTools. */
export interface ToolServerOptions {
  readOnly: boolean;
  displayRoot?: string;
  maxFileBytes?: number;
}

export function parseResponse(line: string): ToolServerResponse | undefined {
  try {
    const value = JSON.parse(line) as Partial<ToolServerResponse>;
    if (typeof value.id !== 'number' || typeof value.content !== 'string' || typeof value.is_error !== 'boolean')
      return undefined;
    return { id: value.id, content: value.content, is_error: value.is_error };
  } catch {
    return undefined;
  }
}
