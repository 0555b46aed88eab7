/**
 * Keeps secrets out of every line the tool prints: registered secret values (and their base64,
 * base64url and URL-encoded forms) are replaced, and known secret-bearing headers and body keys are
 * masked. Owns: what counts as secret in text, headers and bodies. Must not throw on any input:
 * it runs on error paths.
 */
const MASK = '***';
/**
 * Values shorter than this are not masked inside text: no secret the tool accepts is that short
 * (the gateway secret needs 24 characters, tokens and keys are far longer), and replacing a short
 * value everywhere would garble ordinary text and thereby reveal it (a secret "alpha" would turn
 * every realm path "realms/alpha" into "realms/***"). Such values are still masked where they are
 * printed as values: secret headers and body keys.
 */
const MIN_MASKED_LENGTH = 12;
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'x-openam-password']);
/** Lower-cased body keys whose values are secrets wherever they appear (d/p/q/dp/dq/qi: JWK private parts). */
const SECRET_KEYS = new Set([
  'password', 'userpassword', 'client_secret', 'clientsecret', 'secret', 'assertion', 'access_token', 'refresh_token',
  'id_token', 'tokenid', 'ssotoken', 'privatekey', 'private_key', 'consumersecret', 'd', 'p', 'q', 'dp', 'dq', 'qi',
]);
/** ESV secrets' values; variables' valueBase64 is not secret. */
const SECRET_VALUE_PATH = /^\/environment\/secrets(\/|$|\?)/;

export interface MaskBodyOptions {
  /** Request path: valueBase64 is masked under /environment/secrets. */
  path?: string;
  /** Mask valueBase64 regardless of path. */
  secretValues?: boolean;
}

export class Redactor {
  private readonly secrets = new Set<string>();
  private readonly secretHeaderNames = new Set<string>();
  private sorted: string[] | undefined;

  /** Registers a secret value; every printed form of it is masked from now on (see MIN_MASKED_LENGTH). */
  add(secret: string | undefined | null): void {
    if (typeof secret !== 'string' || secret.length < MIN_MASKED_LENGTH) return;
    const utf8 = Buffer.from(secret, 'utf8');
    const forms = [
      secret,
      utf8.toString('base64'),
      utf8.toString('base64').replace(/=+$/, ''),
      utf8.toString('base64url'),
      encodeURIComponent(secret),
      new URLSearchParams({ v: secret }).toString().slice(2),
      JSON.stringify(secret).slice(1, -1),
    ];
    for (const form of forms) if (form) this.secrets.add(form);
    this.sorted = undefined;
  }

  /** A header whose value is a secret, e.g. the tenant's session cookie name (it carries SSO tokens). */
  addSecretHeader(name: string): void {
    if (typeof name === 'string' && name) this.secretHeaderNames.add(name.toLowerCase());
  }

  text(input: unknown): string {
    let output: string;
    try {
      output = typeof input === 'string' ? input : String(input);
    } catch {
      return '[unprintable]';
    }
    // Longest first, so a secret containing another is masked whole.
    this.sorted ??= [...this.secrets].sort((a, b) => b.length - a.length);
    for (const secret of this.sorted) if (output.includes(secret)) output = output.split(secret).join(MASK);
    return output;
  }

  maskHeaders(headers: Record<string, unknown> | null | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (!headers || typeof headers !== 'object') return out;
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      out[name] = SECRET_HEADERS.has(lower) || this.secretHeaderNames.has(lower) ? MASK : value;
    }
    return out;
  }

  /** Deep copy with secret-bearing keys masked. JSON and form-encoded strings are masked inside too. */
  maskBody(body: unknown, options: MaskBodyOptions = {}): unknown {
    const secretValues = options.secretValues === true || (typeof options.path === 'string' && SECRET_VALUE_PATH.test(options.path));
    return this.maskValue(body, secretValues, new WeakSet());
  }

  private isSecretKey(key: string, secretValues: boolean): boolean {
    const lower = key.toLowerCase();
    return SECRET_KEYS.has(lower) || (secretValues && lower === 'valuebase64');
  }

  private maskValue(value: unknown, secretValues: boolean, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.maskString(value, secretValues, seen);
    if (!value || typeof value !== 'object') return value;
    if (seen.has(value)) return '[circular]';
    seen.add(value);
    if (Array.isArray(value)) return value.map((item) => this.maskValue(item, secretValues, seen));
    const out: Record<string, unknown> = {};
    let entries: [string, unknown][];
    try {
      entries = Object.entries(value);
    } catch {
      return '[unreadable]';
    }
    for (const [key, inner] of entries) {
      out[key] = this.isSecretKey(key, secretValues) && inner !== null && inner !== undefined ? MASK : this.maskValue(inner, secretValues, seen);
    }
    return out;
  }

  private maskString(value: string, secretValues: boolean, seen: WeakSet<object>): string {
    const trimmed = value.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return JSON.stringify(this.maskValue(JSON.parse(trimmed), secretValues, seen));
      } catch {
        return value;
      }
    }
    // A form body (token requests): mask the secret fields.
    if (/^[\w.-]+=[^&]*(&[\w.-]+=[^&]*)+$/.test(trimmed)) {
      const params = new URLSearchParams(trimmed);
      for (const key of [...params.keys()]) if (this.isSecretKey(key, secretValues)) params.set(key, MASK);
      return params.toString();
    }
    return value;
  }
}
