// Small DOM builders shared by the overview's sections: text goes in as text (never as HTML), so
// nothing a model wrote can become markup.

export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s(
  tag: string,
  attrs: Record<string, string | number | undefined> = {},
  ...children: (Node | string)[]
): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

export function icon(name: string, label?: string): HTMLElement {
  const el = h('span', { class: `codicon codicon-${name}` });
  if (label) {
    el.setAttribute('role', 'img');
    el.setAttribute('aria-label', label);
  } else el.setAttribute('aria-hidden', 'true');
  return el;
}

export function button(label: string, action: string, onClick: () => void, secondary = false): HTMLButtonElement {
  const b = h('button', { type: 'button', class: secondary ? 'btn secondary' : 'btn', 'data-action': action }, label);
  b.addEventListener('click', onClick);
  return b;
}

/** A link-looking button that opens an event in the Event Log. */
export function eventLink(
  label: string,
  seq: number,
  open: (seq: number) => void,
  description?: string,
): HTMLButtonElement {
  const b = h(
    'button',
    { type: 'button', class: 'link', 'data-seq': String(seq), 'aria-label': description ?? `${label} (event ${seq})` },
    label,
  );
  b.addEventListener('click', () => open(seq));
  return b;
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const m = Math.floor(ms / 60_000);
  const sec = Math.round((ms % 60_000) / 1_000);
  if (m < 60) return sec ? `${m} min ${sec} s` : `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function shortSha(sha: string): string {
  return sha.slice(0, 10);
}
