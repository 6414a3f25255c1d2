// Row heights of a virtualized list as a Fenwick tree: the offset of row i, the row at a scroll
// offset, and a height change are all O(log n), so 100,000 rows of mixed heights scroll without a
// linear pass. Rows never measured count at the estimated height. Pure: plain node tests drive it.

export class HeightIndex {
  private tree: Float64Array;
  private heights: Float64Array;
  private capacity: number;
  private n = 0;

  constructor(
    readonly estimate: number,
    count = 0,
  ) {
    this.capacity = 1024;
    while (this.capacity < count) this.capacity *= 2;
    this.heights = new Float64Array(this.capacity).fill(estimate);
    this.tree = new Float64Array(this.capacity + 1);
    this.rebuild();
    this.n = count;
  }

  get count(): number {
    return this.n;
  }

  /** Grows (new rows at the estimate) or shrinks the list. */
  resize(count: number): void {
    if (count < this.n) {
      // Rows dropped from the end forget their measured height, so regrowth starts at the estimate.
      for (let i = count; i < this.n; i++) this.set(i, this.estimate);
    } else if (count > this.capacity) {
      let cap = this.capacity;
      while (cap < count) cap *= 2;
      const heights = new Float64Array(cap).fill(this.estimate);
      heights.set(this.heights);
      this.heights = heights;
      this.capacity = cap;
      this.tree = new Float64Array(cap + 1);
      this.rebuild();
    }
    this.n = count;
  }

  height(i: number): number {
    return this.heights[i] ?? this.estimate;
  }

  /** Records a measured height; returns the change (0 when none). */
  set(i: number, height: number): number {
    if (i < 0 || i >= this.n || !(height >= 0)) return 0;
    const old = this.height(i);
    const delta = height - old;
    if (delta === 0) return 0;
    this.heights[i] = height;
    for (let k = i + 1; k <= this.capacity; k += k & -k) this.tree[k] = this.tree[k]! + delta;
    return delta;
  }

  /** Top offset of row i (the sum of the heights before it). */
  offset(i: number): number {
    let sum = 0;
    for (let k = Math.min(i, this.n); k > 0; k -= k & -k) sum += this.tree[k]!;
    return sum;
  }

  total(): number {
    return this.offset(this.n);
  }

  /** The row whose box contains `y` (clamped to the list). */
  indexAt(y: number): number {
    if (this.n === 0) return 0;
    if (y <= 0) return 0;
    let pos = 0;
    let rest = y;
    let step = 1;
    while (step * 2 <= this.capacity) step *= 2;
    for (; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= this.capacity && this.tree[next]! <= rest) {
        pos = next;
        rest -= this.tree[next]!;
      }
    }
    return Math.min(pos, this.n - 1);
  }

  /** Rows to render for a viewport, with `overscan` rows either side. */
  visibleRange(scrollTop: number, viewportHeight: number, overscan: number): { start: number; end: number } {
    if (this.n === 0) return { start: 0, end: 0 };
    const first = this.indexAt(scrollTop);
    const last = this.indexAt(scrollTop + viewportHeight);
    return { start: Math.max(0, first - overscan), end: Math.min(this.n, last + 1 + overscan) };
  }

  private rebuild(): void {
    // Slots past the count hold the estimate, so growing within the capacity needs no update.
    this.tree.fill(0);
    for (let i = 1; i <= this.capacity; i++) {
      this.tree[i] = this.tree[i]! + this.heights[i - 1]!;
      const parent = i + (i & -i);
      if (parent <= this.capacity) this.tree[parent] = this.tree[parent]! + this.tree[i]!;
    }
  }
}
