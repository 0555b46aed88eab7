/**
 * The local tenant's default engine: real Rhino wherever Java and Rhino are installed, else the
 * Node sandbox with a one-line notice saying so (once per process).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultLocalEngine, rhinoAvailable } from '../../rhino/availability.js';
import { loadEnvironment } from '../../tooling/config/env.js';

const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
});

describe('default local tenant engine', () => {
  it('falls back to the Node sandbox without java on PATH, saying so in one line, once', () => {
    process.env.PATH = '/nonexistent';
    const notices: string[] = [];
    expect(defaultLocalEngine((line) => notices.push(line))).toBe('node');
    expect(defaultLocalEngine((line) => notices.push(line))).toBe('node');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^notice: local tenant scripts run in the Node sandbox, not AM's real engine: java is not on PATH/);
    expect(notices[0]).not.toContain('\n');
  });

  it('is real Rhino where it is installed, for the tenant and for LOCAL_TENANT_ENGINE unset; the variable still wins', () => {
    const expected = rhinoAvailable().ok ? 'rhino' : 'node';
    expect(defaultLocalEngine(() => {})).toBe(expected);
    expect(loadEnvironment({ cwd: '/nonexistent', processEnv: {} }).localTenant.engine).toBe(expected);
    expect(loadEnvironment({ cwd: '/nonexistent', processEnv: { LOCAL_TENANT_ENGINE: 'node' } }).localTenant.engine).toBe('node');
  });
});
