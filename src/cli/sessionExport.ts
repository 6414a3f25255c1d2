// `agent-os sessions export`: a session's log as a file a person can attach to a bug report. JSON lines: a
// header (what exported it, on what, the session's meta), then every event. Secrets are redacted on the
// way out: the values of this process' secret variables (the names the scrubbed environment never gives a
// sandbox: API keys, GitHub tokens, …) wherever they appear, and text shaped like a credential whatever its
// origin (Anthropic and GitHub tokens, AWS key ids, Authorization headers, private keys, passwords in URLs).
// Bidi and C1 characters are written as JSON escapes, so `cat` of the file shows them and obeys none.
import { isSecretName } from '../node/sandbox/scrubbedEnv.ts';
import { MIN_SECRET_LENGTH, redactSecrets, secretForms } from '../core/tools/redactSecrets.ts';
import type { SessionMeta } from '../core/session/sessionStore.ts';
import { escapeJsonControlCharacters } from '../views/controlCharacters.ts';

export const REDACTED = '[redacted secret]';

const CREDENTIAL_SHAPES: Array<[RegExp, string]> = [
  [/sk-ant-[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})\b/g, REDACTED],
  [/\bAKIA[0-9A-Z]{16}\b/g, REDACTED],
  [
    /\b(authorization|x-api-key|proxy-authorization)(["']?\s*[:=]\s*["']?)(?:(?:bearer|token|basic)\s+)?[^\s"',}]+/gi,
    `$1$2${REDACTED}`,
  ],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, REDACTED],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^/\s@]+@/gi, `$1${REDACTED}@`],
];

/** The values of the environment's secret variables, longest first (so a longer secret is not cut up by a shorter one inside it). */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values = Object.entries(env)
    .filter(([name, value]) => isSecretName(name) && value !== undefined && value.length >= MIN_SECRET_LENGTH)
    .map(([, value]) => value as string);
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

export class Redactor {
  /** How many replacements were made. */
  count = 0;
  private readonly forms: string[];
  constructor(secrets: readonly string[]) {
    this.forms = secretForms(secrets);
  }

  text(input: string): string {
    const exact = redactSecrets(input, this.forms, REDACTED);
    this.count += exact.count;
    let out = exact.text;
    for (const [shape, replacement] of CREDENTIAL_SHAPES) {
      out = out.replace(shape, (...match: unknown[]) => {
        this.count++;
        // `$1`/`$2` in the replacement keep the header name and separator of an Authorization line.
        return replacement.replace(/\$(\d)/g, (_, n: string) => String(match[Number(n)] ?? ''));
      });
    }
    return out;
  }

  /** Every string inside a JSON value, keys included; the shape stays, so the result is valid JSON. */
  value<T>(input: T): T {
    if (typeof input === 'string') return this.text(input) as T;
    if (Array.isArray(input)) return input.map((v: unknown) => this.value(v)) as T;
    if (input && typeof input === 'object') {
      return Object.fromEntries(Object.entries(input).map(([k, v]) => [this.text(k), this.value(v as unknown)])) as T;
    }
    return input;
  }
}

export interface ExportHeader {
  agent_os_export: 1;
  agent_os_version: string;
  node: string;
  platform: string;
  exported_at: string;
  session: SessionMeta;
  events: number;
  note: string;
}

/** The export written a page at a time: the header (with the number of events that follow), then the events'
 * lines; `redactions` counts what was redacted so far. */
export class SessionExporter {
  private readonly redact: Redactor;
  constructor(private readonly input: { env: NodeJS.ProcessEnv; version: string; now?: Date }) {
    this.redact = new Redactor(secretValues(input.env));
  }

  get redactions(): number {
    return this.redact.count;
  }

  header(meta: SessionMeta, events: number): string {
    const header: ExportHeader = {
      agent_os_export: 1,
      agent_os_version: this.input.version,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      exported_at: (this.input.now ?? new Date()).toISOString(),
      session: meta,
      events,
      note: `secrets are replaced by ${REDACTED}`,
    };
    return this.lines([header]);
  }

  lines(records: readonly unknown[]): string {
    return records.map((r) => `${escapeJsonControlCharacters(JSON.stringify(this.redact.value(r)))}\n`).join('');
  }
}
