import type { EngineSettings } from '../../src/config.ts';

/** Short leases and backoffs so crash recovery and retries take milliseconds in tests. */
export function testEngineSettings(overrides: Partial<EngineSettings> = {}): EngineSettings {
  return {
    concurrency: 10,
    maxSteps: 20,
    stepTimeoutMs: 10_000,
    stepAttempts: 3,
    retryBaseMs: 20,
    retryMaxMs: 200,
    maxRunDurationMs: 3_600_000,
    leaseMs: 1000,
    crashLimit: 3,
    retentionDays: 7,
    retentionIntervalMs: 3_600_000,
    ...overrides,
  };
}
