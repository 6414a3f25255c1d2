// The virtualized Event Log list: only rows near the viewport exist in the DOM, positioned from a
// Fenwick tree of measured heights; rows are paged from the host on demand through a RowCache.
import { PAGE_SIZE, type EventRow } from '../../shared/eventLogProtocol.ts';
import { HeightIndex } from './heightIndex.ts';
import { RowCache, type PageRequest } from './rowCache.ts';
import { hasDetails, renderRow, startsExpanded } from './rowView.ts';

const ESTIMATED_ROW_HEIGHT = 22;
const OVERSCAN = 12;
/** Rows fetched ahead of the viewport in either direction. */
const PREFETCH = PAGE_SIZE;

export interface ListViewHost {
  requestRows(generation: number, request: PageRequest): void;
  requestDetail(seq: number): void;
  /** The first visible row or the follow flag changed: worth keeping in the UI state. */
  scrolled(anchorIndex: number, follow: boolean): void;
}

export class ListView {
  private readonly cache = new RowCache<EventRow>(PAGE_SIZE, 24);
  private heights = new HeightIndex(ESTIMATED_ROW_HEIGHT);
  private readonly live = new Map<number, { el: HTMLElement; key: string }>();
  /** Rows toggled by the person, by seq (the default depends on the body's length). */
  private readonly toggled = new Map<number, boolean>();
  private readonly fullBodies = new Map<number, string>();
  private readonly spacer: HTMLElement;
  private frame = 0;
  private programmaticScroll = false;
  private lastReported = -1;
  /** The row opened from elsewhere (the Session Overview), drawn marked. */
  private markedSeq: number | undefined;
  follow = true;

  constructor(
    private readonly viewport: HTMLElement,
    private readonly host: ListViewHost,
  ) {
    this.spacer = viewport.ownerDocument.createElement('div');
    this.spacer.className = 'spacer';
    viewport.append(this.spacer);
    viewport.addEventListener('scroll', () => {
      if (this.programmaticScroll) {
        this.programmaticScroll = false;
      } else {
        this.follow = viewport.scrollTop + viewport.clientHeight >= this.heights.total() - 4;
      }
      this.schedule();
    });
    viewport.addEventListener('click', (ev) => this.onClick(ev));
    viewport.addEventListener('keydown', (ev) => {
      if ((ev.key === 'Enter' || ev.key === ' ') && (ev.target as HTMLElement).matches('.head.toggle')) {
        ev.preventDefault();
        this.onClick(ev as unknown as MouseEvent);
      }
    });
    new ResizeObserver(() => this.schedule()).observe(viewport);
  }

  get generation(): number {
    return this.cache.generation;
  }

  get total(): number {
    return this.cache.total;
  }

  /** A new filtered list (first load, filter change). */
  reset(generation: number, total: number, anchorIndex?: number, initial?: { start: number; rows: EventRow[] }): void {
    this.cache.reset(generation, total);
    if (initial) this.cache.put(generation, initial.start, initial.rows);
    this.heights = new HeightIndex(ESTIMATED_ROW_HEIGHT, total);
    for (const { el } of this.live.values()) el.remove();
    this.live.clear();
    this.spacer.style.height = `${this.heights.total()}px`;
    if (anchorIndex !== undefined && !this.follow) this.scrollTo(this.heights.offset(Math.min(anchorIndex, total)));
    this.render();
  }

  /** The list grew at the end. */
  grow(total: number): void {
    if (total === this.cache.total) return;
    this.cache.grow(total);
    this.heights.resize(total);
    this.schedule();
  }

  put(generation: number, start: number, rows: EventRow[]): void {
    if (this.cache.put(generation, start, rows)) this.schedule();
  }

  detail(seq: number, body: string): void {
    this.fullBodies.set(seq, body);
    this.schedule();
  }

  /** Scrolls row `index` of this generation into view, a little below the top, and marks it. */
  reveal(generation: number, index: number, seq: number): void {
    if (generation !== this.cache.generation) return;
    this.follow = false;
    this.markedSeq = seq;
    this.scrollTo(Math.max(0, this.heights.offset(Math.min(index, this.cache.total)) - 3 * ESTIMATED_ROW_HEIGHT));
    this.render();
  }

  scrollToEnd(): void {
    this.follow = true;
    this.schedule();
  }

  /** Rows in the DOM right now (for tests and the bench). */
  get renderedRows(): number {
    return this.live.size;
  }

  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  render(): void {
    const vp = this.viewport;
    const total = this.cache.total;
    this.spacer.style.height = `${this.heights.total()}px`;
    if (this.follow) this.scrollTo(Math.max(0, this.heights.total() - vp.clientHeight));
    const { start, end } = this.heights.visibleRange(vp.scrollTop, vp.clientHeight || 600, OVERSCAN);
    for (const req of this.cache.request(Math.max(0, start - PREFETCH), Math.min(total, end + PREFETCH))) {
      this.host.requestRows(this.cache.generation, req);
    }
    for (const [i, entry] of this.live) {
      if (i < start || i >= end) {
        entry.el.remove();
        this.live.delete(i);
      }
    }
    const doc = vp.ownerDocument;
    for (let i = start; i < end; i++) {
      const row = this.cache.get(i);
      const expanded = row ? this.isExpanded(row) : false;
      const full = row && this.fullBodies.get(row.seq);
      const marked = row !== undefined && row.seq === this.markedSeq;
      const key = row ? `${row.seq}:${expanded ? 1 : 0}:${full ? 1 : 0}:${marked ? 1 : 0}` : '';
      const current = this.live.get(i);
      if (current && current.key === key) continue;
      const el = renderRow(doc, row, i, expanded, full);
      if (marked) el.classList.add('revealed');
      if (current) current.el.replaceWith(el);
      else vp.append(el);
      this.live.set(i, { el, key });
    }
    this.layout();
  }

  private layout(): void {
    const vp = this.viewport;
    const anchor = this.heights.indexAt(vp.scrollTop);
    const anchorDelta = vp.scrollTop - this.heights.offset(anchor);
    let changed = false;
    // Read every height first, then write positions: one layout pass instead of one per row.
    const measured: [number, number][] = [];
    for (const [i, { el }] of this.live) measured.push([i, el.offsetHeight]);
    for (const [i, h] of measured) if (h > 0 && this.heights.set(i, h) !== 0) changed = true;
    for (const [i, { el }] of this.live) el.style.transform = `translateY(${this.heights.offset(i)}px)`;
    this.spacer.style.height = `${this.heights.total()}px`;
    if (changed) {
      if (this.follow) this.scrollTo(Math.max(0, this.heights.total() - vp.clientHeight));
      else if (anchor > 0 || anchorDelta > 0) this.scrollTo(this.heights.offset(anchor) + anchorDelta);
      // Heights changed under the viewport: other rows may now be visible.
      this.schedule();
    }
    const first = this.heights.indexAt(vp.scrollTop);
    if (first !== this.lastReported) {
      this.lastReported = first;
      this.host.scrolled(first, this.follow);
    }
  }

  private scrollTo(top: number): void {
    if (Math.abs(this.viewport.scrollTop - top) < 1) return;
    this.programmaticScroll = true;
    this.viewport.scrollTop = top;
  }

  private isExpanded(row: EventRow): boolean {
    return this.toggled.get(row.seq) ?? startsExpanded(row);
  }

  private onClick(ev: MouseEvent): void {
    const target = ev.target as HTMLElement;
    const rowEl = target.closest<HTMLElement>('.row');
    const index = Number(rowEl?.dataset['index']);
    const row = Number.isFinite(index) ? this.cache.get(index) : undefined;
    if (!row) return;
    if (target.closest('[data-action="more"]')) {
      ev.preventDefault();
      this.host.requestDetail(row.seq);
      return;
    }
    if (target.closest('.head.toggle') && hasDetails(row)) {
      this.toggled.set(row.seq, !this.isExpanded(row));
      this.follow = false;
      this.render();
      // The row was rebuilt: keep the keyboard on it.
      if (ev.type === 'keydown') this.live.get(index)?.el.querySelector<HTMLElement>('.head')?.focus();
    }
  }
}
