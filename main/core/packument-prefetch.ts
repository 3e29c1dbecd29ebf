// Fetching packuments ahead of Arborist, for the dependency installer's child.
//
// Arborist builds its tree a package at a time: it fetches a package's dependencies one
// after another, and fetches ahead only the next level's, at most (CPU cores - 1) at a time
// (promise-call-limit's default, meant for CPU work): one at a time on a two-core machine.
// With a warm cache every packument is still a round trip to revalidate it, so a tree of
// 170 packages costs 170 round trips in a row. This keeps up to REGISTRY_REQUESTS_AT_ONCE of them in flight
// instead: whenever Arborist has a package's manifest, the packuments of that package's
// dependencies are fetched at once, by pacote, with the options Arborist used, into the
// packument cache Arborist reads (its own; this adds only what is being fetched now).
// What Arborist then asks for is there or on its way; it resolves, places and fails as it
// always does, since nothing but the order and concurrency of requests changes.

/** The parts of pacote used here. */
export interface PacoteLike {
  manifest(spec: unknown, opts: Record<string, unknown>): Promise<Record<string, any>>;
  RegistryFetcher: new (spec: unknown, opts: Record<string, unknown>) => { fullMetadata: boolean; packumentUrl: string; packument(): Promise<unknown> };
}
/** npm-package-arg's resolve: a dependency's name and range as a spec. */
export type Resolve = (name: string, spec: string) => { type: string };
/** Arborist's packument cache (an LRU bounded by the heap). */
export interface PackumentStore {
  has(key: string): boolean;
  get(key: string): unknown;
  set(key: string, value: unknown): unknown;
  delete(key: string): boolean;
}

/** Registry requests worth having in flight at once: npm's own default for sockets per registry (@npmcli/agent); more would only queue there. */
export const REGISTRY_REQUESTS_AT_ONCE = 15;
const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;

export class PackumentPrefetch {
  /** Fetches started here and not yet handed to pacote: a key pacote asks for waits for these rather than asking again. */
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Fetches waiting for a slot; one pacote asks for starts at once. */
  private readonly waiting = new Map<string, () => void>();
  private running = 0;
  private restore: (() => void) | null = null;
  readonly cache: PackumentStore;

  /** `skip`: names not worth fetching ahead (the plan's: the lockfile already has a version of them, which most likely still fits). */
  constructor(
    private readonly pacote: PacoteLike,
    private readonly resolve: Resolve,
    private readonly store: PackumentStore,
    private readonly skip: ReadonlySet<string> = new Set(),
  ) {
    this.cache = {
      has: (key) => {
        this.waiting.get(key)?.();
        return this.inflight.has(key) || store.has(key);
      },
      get: (key) => {
        this.waiting.get(key)?.();
        const pending = this.inflight.get(key);
        if (!pending) return store.get(key);
        // Handed over once: from then on the store has it (or, if it was too big for the store, pacote fetches it again).
        this.inflight.delete(key);
        return pending;
      },
      set: (key, value) => store.set(key, value),
      delete: (key) => store.delete(key),
    };
  }

  /** Follows every manifest pacote gives Arborist until `stop`; `options` are Arborist's, for the packuments of the root's dependencies. */
  start(root: Record<string, any>, options: Record<string, unknown>): void {
    const { pacote } = this;
    const manifest = pacote.manifest;
    pacote.manifest = async (spec, opts) => {
      const mani = await manifest.call(pacote, spec, opts);
      this.dependenciesOf(mani, opts);
      return mani;
    };
    this.restore = () => {
      pacote.manifest = manifest;
    };
    this.dependenciesOf(root, { ...options, fullMetadata: true });
  }

  stop(): void {
    this.restore?.();
    this.restore = null;
    this.waiting.clear();
    this.inflight.clear();
  }

  private dependenciesOf(manifest: Record<string, any>, opts: Record<string, unknown>): void {
    if (!this.restore) return;
    for (const field of DEPENDENCY_FIELDS) {
      for (const [name, range] of Object.entries((manifest[field] ?? {}) as Record<string, unknown>)) {
        if (typeof range !== 'string' || this.skip.has(name)) continue;
        try {
          this.fetch(name, range, opts);
        } catch {
          // A bad spec, a registry URL pacote can't parse: Arborist meets it in its own words, if it asks at all
          // (an optional or overridden dependency may never be fetched). Fetching ahead must never fail the manifest.
        }
      }
    }
  }

  private fetch(name: string, range: string, opts: Record<string, unknown>): void {
    const spec = this.resolve(name, range);
    // Registry packages only: git, tarballs, folders and aliases have no packument to fetch.
    if (spec.type !== 'range' && spec.type !== 'version' && spec.type !== 'tag') return;
    // The options of the manifest call that led here: same registry, credentials, cache and accept header as Arborist's
    // own call. Its cache is the store behind this.cache: through this.cache it would find its own fetch and wait for it.
    const fetcher = new this.pacote.RegistryFetcher(spec, { ...opts, packumentCache: this.store });
    // pacote's key for its packument cache (lib/registry.js), so that Arborist's own fetcher finds this one.
    const key = `${fetcher.fullMetadata ? 'full' : 'corgi'}:${fetcher.packumentUrl}`;
    if (this.inflight.has(key) || this.waiting.has(key) || this.store.has(key)) return;
    let settle!: (p: Promise<unknown>) => void;
    const pending = new Promise<unknown>((resolve) => (settle = resolve));
    // Rejected and never asked for is not an error of this process: only Arborist's await of it is.
    pending.catch(() => {});
    this.inflight.set(key, pending);
    const begin = () => {
      if (!this.waiting.delete(key)) return;
      this.running++;
      const p = fetcher.packument();
      // A failure is Arborist's to meet, if it asks: for it the promise rejects as its own fetch would have.
      p.catch(() => this.inflight.delete(key)).finally(() => {
        this.running--;
        this.next();
      });
      settle(p);
    };
    this.waiting.set(key, begin);
    if (this.running < REGISTRY_REQUESTS_AT_ONCE) begin();
  }

  private next(): void {
    for (const begin of this.waiting.values()) {
      if (this.running >= REGISTRY_REQUESTS_AT_ONCE) return;
      begin();
    }
  }
}
