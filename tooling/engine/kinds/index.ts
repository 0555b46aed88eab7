/**
 * The registry: one handler per object kind. Its type demands an entry for every kind a handler
 * file declares (KindModel), so a kind without a handler does not compile.
 */
import type { KindHandler, Registry } from '../handler.js';
import type { ObjectKind } from '../model.js';
import { esvHandler } from './esv.js';
import { journeyHandler } from './journey.js';
import { journeyNodeHandler } from './journey-node.js';
import { oauth2ClientHandler } from './oauth2-client.js';
import { policyHandler } from './policy.js';
import { policyGatewayHandler } from './policy-gateway.js';
import { policySetHandler } from './policy-set.js';
import { resourceTypeHandler } from './resource-type.js';
import { scriptHandler } from './script.js';

export const HANDLERS: Registry = {
  esv: esvHandler,
  script: scriptHandler,
  'policy-gateway': policyGatewayHandler,
  'journey-node': journeyNodeHandler,
  journey: journeyHandler,
  'resource-type': resourceTypeHandler,
  'policy-set': policySetHandler,
  policy: policyHandler,
  'oauth2-client': oauth2ClientHandler,
};

export const KINDS = Object.keys(HANDLERS) as ObjectKind[];

/** The handler of a kind, typed for that kind (TypeScript cannot correlate a union key with its entry). */
export function handlerFor<K extends ObjectKind>(kind: K): KindHandler<K> {
  return HANDLERS[kind] as unknown as KindHandler<K>;
}
