import { closeSync, openSync, readSync, statSync } from 'node:fs';

/**
 * Pushes lines appended to the service logs, only while someone wants them: it starts on
 * the first `subscribe {logs: true}` and stops by itself once no subscriber is left, so an
 * idle supervisor never polls. Copes with rotation (the file shrinks: read from the start).
 */
export class LogFollower {
  private offsets = new Map<string, number>();
  private partial = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly files: Record<string, string>,
    private readonly wanted: () => boolean,
    private readonly onLine: (service: string, line: string) => void,
    private readonly everyMs = 500,
  ) {}

  start(): void {
    if (this.timer) return;
    // Only what is appended from now on: history is the `logs` request's job.
    for (const [service, file] of Object.entries(this.files)) this.offsets.set(service, sizeOf(file));
    this.timer = setInterval(() => this.tick(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.partial.clear();
  }

  private tick(): void {
    if (!this.wanted()) return this.stop();
    for (const [service, file] of Object.entries(this.files)) {
      const size = sizeOf(file);
      let from = this.offsets.get(service) ?? 0;
      if (size < from) from = 0;
      if (size === from) continue;
      const length = Math.min(size - from, 1024 * 1024);
      const buf = Buffer.alloc(length);
      const fd = openSync(file, 'r');
      try {
        readSync(fd, buf, 0, length, from);
      } finally {
        closeSync(fd);
      }
      this.offsets.set(service, from + length);
      const lines = ((this.partial.get(service) ?? '') + buf.toString('utf8')).split('\n');
      this.partial.set(service, lines.pop() ?? '');
      for (const line of lines) if (line) this.onLine(service, line);
    }
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
