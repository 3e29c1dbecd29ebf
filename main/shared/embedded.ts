/**
 * How the desktop app's dashboard window names itself to the runtime's page: its
 * User-Agent carries `AnimaDesktop/<version>`. The app shows the update offer in its own
 * bar above the page, so a runtime that has an offer of its own may leave it out there
 * (docs/control-protocol.md); in a plain browser it shows it.
 */
export const EMBEDDED_TOKEN = 'AnimaDesktop';

export function embeddedUserAgent(base: string, version: string): string {
  return base.includes(`${EMBEDDED_TOKEN}/`) ? base : `${base} ${EMBEDDED_TOKEN}/${version}`;
}

