/**
 * `aic-api-to-api/rhino`: run AM scripts in the real engine (Rhino 1.7.14 at language version 0)
 * from your own tests. Needs Debian's rhino package (/usr/share/java/js.jar) and a JDK.
 *
 *   import { runInRhino, rhinoAvailable } from 'aic-api-to-api/rhino';
 *   const [outcome] = await runInRhino([{ source, context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', input }]);
 */
export * from './run.js';
export type * from '../amkit/types.js';
