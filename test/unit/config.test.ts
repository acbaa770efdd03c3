import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('loads with no settings at all (npm start on embedded defaults)', () => {
    const c = loadConfig({});
    expect(c.embedded).toBe(true);
    expect(c.KABAR_SEND_LEASE_MS).toBeGreaterThan(2 * c.PROVIDER_TIMEOUT_MS);
  });

  it('refuses a send lease a provider call could outlast after a claim made at dispatch', () => {
    // A claim is used while younger than half the lease: a call as long as that half would end after it.
    expect(() => loadConfig({ KABAR_SEND_LEASE_MS: '20000', PROVIDER_TIMEOUT_MS: '10000' })).toThrow(
      'KABAR_SEND_LEASE_MS: must be more than twice PROVIDER_TIMEOUT_MS',
    );
    expect(loadConfig({ KABAR_SEND_LEASE_MS: '20001', PROVIDER_TIMEOUT_MS: '10000' }).KABAR_SEND_LEASE_MS).toBe(20001);
  });
});
