/** Claims of a policy request's `subject.jwt`: AM reads the claims of the JWT it is given (the REST evaluate and the scripts' policy binding alike); the signature is not checked here. */
import { isJsonObject, type JsonObject, type JsonValue } from '../../common/json.js';

export function jwtClaims(jwt: string): JsonObject | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as JsonValue;
    return isJsonObject(payload) ? payload : undefined;
  } catch {
    return undefined;
  }
}
