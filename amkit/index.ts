/**
 * `aic-api-to-api/amkit`: the mocked AM binding kit. Runs AM scripts (legacy or next-generation,
 * ES5 for Rhino) in a Node sandbox shaped like AM's script scope, with recording bindings. Users
 * import it to unit-test their own scripts; the local tenant uses it to run deployed scripts. For
 * the real engine, see `aic-api-to-api/rhino`.
 *
 *   import { runScript } from 'aic-api-to-api/amkit';
 *   const outcome = runScript(source, 'OAUTH2_ACCESS_TOKEN_MODIFICATION', { realm: '/alpha', env, accessToken, http: [...] });
 */
export * from './types.js';
export * from './java.js';
export * from './bindings.js';
export * from './next-gen.js';
export * from './condition.js';
export * from './run.js';
