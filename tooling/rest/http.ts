/**
 * The one HTTP client every REST family module goes through: authentication, bounded concurrency,
 * retries with backoff (429 honouring Retry-After, 502/503/504, connection resets), request counts,
 * and masked verbose logging. Owns: transport behaviour. Knows no REST paths.
 */
import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';
import pLimit from 'p-limit';
import { Redactor } from '../../common/redact.js';

export interface AuthProvider {
  /** The Authorization header value, e.g. "Bearer …". */
  header(): Promise<string>;
  invalidate(): void;
}

export interface AmHttpOptions {
  baseUrl: string;
  auth: AuthProvider;
  concurrency?: number;
  maxRetries?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
  verbose?: boolean;
  redactor?: Redactor;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Clock in ms since the epoch (Retry-After dates, durations). */
  now?: () => number;
}

export interface AmRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Starting with /am or /environment (or /v1 for Apigee's management API). */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  apiVersion?: string;
  family: string;
  /** Statuses returned instead of thrown (e.g. 404 for "missing"). */
  accept?: number[];
  /** Extra headers (e.g. the SSO token header for evaluate). */
  headers?: Record<string, string>;
  /** A POST that only reads (queries, evaluate): not counted as a write. */
  readOnly?: boolean;
  /** Form-encoded body instead of JSON. */
  form?: Record<string, string>;
  /** A ready body with its content type (e.g. a multipart upload); never logged. */
  raw?: { contentType: string; data: Buffer };
  /** No Authorization header (service-account login itself). */
  anonymous?: boolean;
  /** Extra statuses retried like 503 (the login also retries 500). */
  retryStatuses?: number[];
}

export interface AmResponse<T> {
  status: number;
  data: T;
  headers: Record<string, string>;
}

export class AmError extends Error {
  constructor(
    message: string,
    readonly family: string,
    readonly method: string,
    readonly path: string,
    readonly status: number | undefined,
    readonly amMessage: string,
  ) {
    super(message);
    this.name = 'AmError';
  }
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
// ECONNABORTED is axios' own timeout code.
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN']);
/** POSTs that only read: not counted as writes. */
const READ_ONLY_ACTIONS = new Set(['evaluate', 'query']);
const BASE_DELAY_MS = 200;
const MAX_DELAY_MS = 10_000;
const MAX_RETRY_AFTER_MS = 60_000;

function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(Math.max(0, seconds * 1000), MAX_RETRY_AFTER_MS);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

function amMessage(data: unknown): string {
  if (data && typeof data === 'object') {
    const body = data as { message?: unknown; error?: unknown; error_description?: unknown; reason?: unknown; detail?: { validAttributes?: unknown } };
    // Google APIs (Apigee) answer { error: { code, message, status } }.
    if (body.error && typeof body.error === 'object' && typeof (body.error as { message?: unknown }).message === 'string') return oneLine((body.error as { message: string }).message);
    const parts = [body.message ?? body.error_description ?? body.error ?? body.reason].filter((p) => p !== undefined).map(String);
    if (Array.isArray(body.detail?.validAttributes)) parts.push(`(valid attributes: ${body.detail!.validAttributes.join(', ')})`);
    return oneLine(parts.join(' '));
  }
  return typeof data === 'string' ? oneLine(data).slice(0, 200) : '';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function isNetworkError(error: unknown): error is { code?: string; message: string } {
  const code = (error as { code?: string })?.code;
  return (code !== undefined && RETRYABLE_CODES.has(code)) || /socket hang up|ECONNRESET/i.test(String((error as Error)?.message));
}

/** The request's body as sent, with its Content-Type set in `headers`. */
function encodeBody(req: AmRequest, headers: Record<string, string>): unknown {
  if (req.raw) {
    headers['Content-Type'] = req.raw.contentType;
    return req.raw.data;
  }
  if (req.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    return new URLSearchParams(req.form).toString();
  }
  if (req.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    return JSON.stringify(req.body);
  }
  if (req.method !== 'GET') headers['Content-Type'] = 'application/json';
  return undefined;
}

export class AmHttp {
  readonly stats = { requests: 0, writes: 0, retries: 0, byFamily: {} as Record<string, number> };
  readonly redactor: Redactor;
  private readonly client: AxiosInstance;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly maxRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly options: AmHttpOptions) {
    this.redactor = options.redactor ?? new Redactor();
    const concurrency = options.concurrency ?? 8;
    this.client = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: options.timeoutMs ?? 60_000,
      validateStatus: () => true,
      adapter: 'http',
      maxRedirects: 0,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: concurrency }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: concurrency }),
    });
    this.limit = pLimit(concurrency);
    this.maxRetries = options.maxRetries ?? 6;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  get baseUrl(): string {
    return this.options.baseUrl.replace(/\/+$/, '');
  }

  request<T>(req: AmRequest): Promise<AmResponse<T>> {
    return this.limit(() => this.withRetries<T>(req));
  }

  private log(line: string): void {
    this.options.log?.(this.redactor.text(line));
  }

  private backoff(attempt: number): number {
    const exponential = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
    return Math.round(exponential / 2 + this.random() * (exponential / 2));
  }

  /** One request with its retries: a single loop on purpose, so the attempt count, the re-login flag and the delay stay together. */
  private async withRetries<T>(req: AmRequest): Promise<AmResponse<T>> {
    // A write is counted once per logical request; retries are counted in `retries`.
    const isWrite = req.method !== 'GET' && !req.readOnly && !READ_ONLY_ACTIONS.has(req.query?._action ?? '') && req.query?._queryFilter === undefined;
    if (isWrite) this.stats.writes += 1;
    const retryable = new Set([...RETRYABLE_STATUS, ...(req.retryStatuses ?? [])]);
    let reauthenticated = false;
    for (let attempt = 0; ; attempt++) {
      this.stats.requests += 1;
      this.stats.byFamily[req.family] = (this.stats.byFamily[req.family] ?? 0) + 1;
      const started = this.now();
      const headers: Record<string, string> = { ...(req.headers ?? {}) };
      if (req.apiVersion) headers['Accept-API-Version'] = req.apiVersion;
      if (!req.anonymous) {
        // Outside the try: a failed login already says what went wrong and is not a transport error.
        headers.Authorization = await this.options.auth.header();
        // The token is a secret whoever issued it: AM may echo it in an error.
        this.redactor.add(headers.Authorization.replace(/^Bearer\s+/i, ''));
      }
      let response;
      try {
        const data = encodeBody(req, headers);
        response = await this.client.request({ method: req.method, url: req.path, params: req.query, headers, data, responseType: 'json', transitional: { silentJSONParsing: true } });
      } catch (error) {
        if (isNetworkError(error) && attempt < this.maxRetries) {
          this.stats.retries += 1;
          const delay = this.backoff(attempt);
          this.log(`${req.method} ${req.path} -> ${(error as { code?: string }).code ?? 'connection error'}, retrying in ${delay} ms`);
          await this.sleep(delay);
          continue;
        }
        const code = (error as { code?: string }).code;
        const reason = oneLine(String((error as Error)?.message ?? error));
        const retried = attempt > 0 ? ` (after ${attempt} retries)` : '';
        const message = `${req.family} ${req.method} ${req.path}: ${code ?? 'request failed'}${reason && reason !== code ? ' ' + reason : ''}${retried}`;
        throw new AmError(this.redactor.text(message), req.family, req.method, req.path, undefined, this.redactor.text(reason));
      }
      const status = response.status;
      if (this.options.verbose) {
        const body = req.body !== undefined ? ` ${JSON.stringify(this.redactor.maskBody(req.body, { path: req.path }))}` : '';
        this.log(`${req.method} ${req.path}${req.query ? '?' + new URLSearchParams(req.query).toString() : ''} -> ${status} (${this.now() - started} ms)${body}`);
      }
      if (status === 401 && !reauthenticated && !req.anonymous) {
        reauthenticated = true;
        this.options.auth.invalidate();
        continue;
      }
      if (retryable.has(status) && attempt < this.maxRetries) {
        this.stats.retries += 1;
        const headerValue = response.headers['retry-after'];
        const delay = retryAfterMs(headerValue === undefined || headerValue === null ? undefined : String(headerValue), this.now()) ?? this.backoff(attempt);
        this.log(`${req.method} ${req.path} -> ${status}, retrying in ${delay} ms`);
        await this.sleep(delay);
        continue;
      }
      if ((status >= 200 && status < 300) || req.accept?.includes(status)) {
        const responseHeaders = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, String(v)]));
        return { status, data: response.data as T, headers: responseHeaders };
      }
      const message = amMessage(response.data);
      throw new AmError(this.redactor.text(`${req.family} ${req.method} ${req.path}: HTTP ${status} ${message}`.trim()), req.family, req.method, req.path, status, this.redactor.text(message));
    }
  }
}
