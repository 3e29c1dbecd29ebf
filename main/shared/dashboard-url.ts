/**
 * The dashboard's URL, rebuilt from its port alone: whatever a status says, only
 * `http://127.0.0.1:<port>/` is ever loaded in a window or handed to a browser opener
 * (a URL from elsewhere could name another host, or carry characters a shell would run).
 */
export function loopbackDashboardUrl(reported: string | null | undefined): string | null {
  if (!reported) return null;
  let u: URL;
  try {
    u = new URL(reported);
  } catch {
    return null;
  }
  const port = Number(u.port);
  if (u.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(u.hostname) || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return `http://127.0.0.1:${port}`;
}
