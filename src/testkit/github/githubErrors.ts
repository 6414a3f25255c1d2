// GitHub's REST answers for what goes wrong, as the stand-in gives them — the status, GitHub's own message and
// documentation link, a 422's \`errors\` — so Octokit raises on them what it raises on GitHub's.
import type { IncomingMessage } from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

export const docs = 'https://docs.github.com/rest';

export async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to GitHub's answer for a body it cannot parse
  }
  throw new HttpError(400, { message: 'Problems parsing JSON', documentation_url: docs, status: '400' });
}

export function notFound(doc = ''): HttpError {
  return new HttpError(404, { message: 'Not Found', documentation_url: doc ? `${docs}/${doc}` : docs, status: '404' });
}

export function invalid(error: Record<string, string>): HttpError {
  return new HttpError(422, {
    message: 'Validation Failed',
    errors: [error],
    documentation_url: `${docs}/pulls/pulls#create-a-pull-request`,
    status: '422',
  });
}
