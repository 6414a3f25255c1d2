// The host APIs pure code may use: the ones Node and browsers share (WHATWG / HTML standard), and no
// others. src/core/tsconfig.json checks core, views and shared against these alone — no DOM, no node
// types — so an fs, process or document reaching core is a type error, not a review comment. The root
// project (which has DOM and node types) excludes this file.

interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
  throwIfAborted(): void;
}
declare var AbortSignal: {
  prototype: AbortSignal;
  abort(reason?: unknown): AbortSignal;
  timeout(ms: number): AbortSignal;
};

interface AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}
declare var AbortController: { prototype: AbortController; new (): AbortController };

interface URL {
  readonly hostname: string;
  readonly pathname: string;
  readonly protocol: string;
  readonly host: string;
  readonly origin: string;
  readonly search: string;
  href: string;
  toString(): string;
}
declare var URL: { prototype: URL; new (url: string, base?: string): URL };

declare function structuredClone<T>(value: T): T;

declare var crypto: { getRandomValues<T extends Uint8Array>(array: T): T };
