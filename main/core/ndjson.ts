/**
 * Newline-delimited JSON from a child's pipe: chunks split into lines, each line parsed,
 * and a line that isn't JSON (a stray print) passed over rather than failing the reader.
 */
export function ndjsonReader<T>(onMessage: (msg: T) => void): (chunk: Buffer | string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let msg: T;
      try {
        msg = JSON.parse(line) as T;
      } catch {
        continue;
      }
      onMessage(msg);
    }
  };
}
