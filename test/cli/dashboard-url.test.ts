// Only the loopback dashboard is ever opened, whatever a status claims.
import { describe, expect, it } from 'vitest';
import { loopbackDashboardUrl } from '../../main/shared/dashboard-url';

describe('the dashboard URL', () => {
  it('is rebuilt from the port: loopback http only, nothing else carried over', () => {
    expect(loopbackDashboardUrl('http://127.0.0.1:4280')).toBe('http://127.0.0.1:4280');
    expect(loopbackDashboardUrl('http://localhost:4280/x?y#z')).toBe('http://127.0.0.1:4280');
    for (const bad of ['http://x/&calc.exe', 'http://evil.example:4280', 'https://127.0.0.1:4280', 'file:///etc/passwd', 'http://127.0.0.1:4280@evil.example/', 'not a url', '', null]) {
      expect(loopbackDashboardUrl(bad), String(bad)).toBeNull();
    }
  });
});
