// The rows the webview holds: pages of the host's filtered list, fetched on demand and dropped when
// far from the viewport, so a 100,000-event session costs the page a few hundred rows. Pure: plain
// node tests drive it. The host is asked only for pages that are missing, or that were short when
// fetched (the tail page) and have grown since.

export interface PageRequest {
  start: number;
  end: number;
}

interface Page<Row> {
  rows: Row[];
  pending: boolean;
  /** Last request tick that covered the page (least recently used pages are evicted first). */
  usedAt: number;
}

export class RowCache<Row> {
  private pages = new Map<number, Page<Row>>();
  private clock = 0;
  total = 0;
  generation = 0;

  constructor(
    readonly pageSize = 100,
    readonly maxPages = 24,
  ) {}

  /** A new filtered list: every page is stale. */
  reset(generation: number, total: number): void {
    this.pages.clear();
    this.generation = generation;
    this.total = total;
  }

  /** The list grew at the end (live output). */
  grow(total: number): void {
    this.total = total;
  }

  get(index: number): Row | undefined {
    const page = this.pages.get(Math.floor(index / this.pageSize));
    return page?.rows[index % this.pageSize];
  }

  /** Pages covering [start, end) that must be asked for; marks them pending. */
  request(start: number, end: number): PageRequest[] {
    const out: PageRequest[] = [];
    const last = Math.min(end, this.total);
    if (last <= start) return out;
    const tick = ++this.clock;
    for (let p = Math.floor(start / this.pageSize); p * this.pageSize < last; p++) {
      const pageStart = p * this.pageSize;
      const pageEnd = Math.min(pageStart + this.pageSize, this.total);
      const page = this.pages.get(p);
      if (page) page.usedAt = tick;
      if (page && (page.pending || page.rows.length >= pageEnd - pageStart)) continue;
      this.pages.set(p, { rows: page?.rows ?? [], pending: true, usedAt: tick });
      out.push({ start: pageStart, end: pageStart + this.pageSize });
    }
    this.evict(start, end);
    return out;
  }

  /** Rows answered by the host; ignored when they belong to an older generation. */
  put(generation: number, start: number, rows: Row[]): boolean {
    if (generation !== this.generation) return false;
    for (let offset = 0; offset < rows.length;) {
      const index = start + offset;
      const p = Math.floor(index / this.pageSize);
      const within = index % this.pageSize;
      const take = Math.min(this.pageSize - within, rows.length - offset);
      const page = this.pages.get(p) ?? { rows: [], pending: false, usedAt: this.clock };
      const merged = page.rows.slice();
      for (let k = 0; k < take; k++) merged[within + k] = rows[offset + k]!;
      this.pages.set(p, { rows: merged, pending: false, usedAt: page.usedAt });
      offset += take;
    }
    // Requests are page-aligned: the first page answers the request even when it came back empty.
    const first = this.pages.get(Math.floor(start / this.pageSize));
    if (first) first.pending = false;
    return true;
  }

  get pageCount(): number {
    return this.pages.size;
  }

  /** Drops the least recently used pages outside [start, end) beyond `maxPages`. */
  private evict(start: number, end: number): void {
    if (this.pages.size <= this.maxPages) return;
    const keepFrom = Math.floor(start / this.pageSize);
    const keepTo = Math.floor(Math.max(start, end - 1) / this.pageSize);
    const victims = [...this.pages.entries()]
      .filter(([p]) => p < keepFrom || p > keepTo)
      .sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [p] of victims) {
      if (this.pages.size <= this.maxPages) break;
      this.pages.delete(p);
    }
  }
}
