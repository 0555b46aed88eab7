/**
 * Keeps secrets out of every line the tool prints: registered secret values (and their base64 and
 * URL-encoded forms) are replaced, and known secret-bearing headers and body keys are masked.
 */
const MASK = '***';
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'x-openam-password']);
const SECRET_KEYS = new Set(['password', 'userpassword', 'client_secret', 'clientsecret', 'secret', 'assertion', 'access_token', 'refresh_token', 'id_token', 'tokenid', 'privatekey', 'd', 'p', 'q', 'dp', 'dq', 'qi']);

export class Redactor {
  private readonly secrets = new Set<string>();
  private readonly secretHeaderNames = new Set<string>();

  add(secret: string | undefined | null): void {
    if (!secret) return;
    for (const form of [secret, Buffer.from(secret, 'utf8').toString('base64'), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) {
      if (form) this.secrets.add(form);
    }
  }

  /** A header whose value is a secret (e.g. the tenant's session cookie name). */
  addSecretHeader(name: string): void {
    this.secretHeaderNames.add(name.toLowerCase());
  }

  text(input: string): string {
    let output = String(input);
    // Longest first, so a secret containing another is masked whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) output = output.split(secret).join(MASK);
    return output;
  }

  maskHeaders(headers: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(headers ?? {})) {
      const lower = name.toLowerCase();
      out[name] = SECRET_HEADERS.has(lower) || this.secretHeaderNames.has(lower) ? MASK : value;
    }
    return out;
  }

  /** Deep copy with secret-bearing keys masked; ESV secret values are masked when `secretValues` is set. */
  maskBody(body: unknown, options: { secretValues?: boolean } = {}): unknown {
    if (Array.isArray(body)) return body.map((item) => this.maskBody(item, options));
    if (body && typeof body === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(body)) {
        const lower = key.toLowerCase();
        const secret = SECRET_KEYS.has(lower) || (options.secretValues && lower === 'valuebase64');
        out[key] = secret && value !== null && value !== undefined ? MASK : this.maskBody(value, options);
      }
      return out;
    }
    return body;
  }
}
