/**
 * One diagnostic type for every problem the tool reports: access-file and environment validation,
 * plan problems and warnings, apply failures, AM errors. Rendered once for people and once for JSON
 * (tooling/cli/output.ts). Owns: the shape, the categories behind exit codes, and the error class
 * that carries diagnostics. Knows nothing of HTTP or AM objects.
 */

export type Severity = 'error' | 'warning';

/**
 * What kind of failure it is; the CLI's exit code follows from the worst category present:
 * input (3: nothing was sent), refused (4: the plan refused to write), tenant (1: AM answered an error
 * or a write failed), blocked (5: waiting on something outside this run, e.g. a promotion).
 */
export type Category = 'input' | 'refused' | 'tenant' | 'blocked';

export interface Diagnostic {
  severity: Severity;
  /** Stable, greppable: e.g. access.unknown-key, plan.client-missing, apply.failed. */
  code: string;
  category: Category;
  /** The object concerned, `kind:id` (plan and apply). */
  object?: string;
  /** The file concerned (access files, .env files). */
  file?: string;
  /** The field within the file or object, e.g. providers.orders.scopes.read. */
  path?: string;
  /** One line saying what is wrong and what is expected. */
  message: string;
  /** Extra context: AM's status and message, or the reason a change was skipped. */
  detail?: string;
}

export function error(category: Category, code: string, message: string, where: Partial<Pick<Diagnostic, 'object' | 'file' | 'path' | 'detail'>> = {}): Diagnostic {
  return { severity: 'error', category, code, message, ...where };
}

export function warning(code: string, message: string, where: Partial<Pick<Diagnostic, 'object' | 'file' | 'path' | 'detail'>> = {}): Diagnostic {
  return { severity: 'warning', category: 'refused', code, message, ...where };
}

/** The one line a person reads: where, then what. */
export function diagnosticLine(d: Diagnostic): string {
  const where = [d.file, d.object].filter(Boolean).join(': ');
  const path = d.path !== undefined ? `${d.path || '(document)'}: ` : '';
  return `${where ? `${where}: ` : ''}${path}${d.message}${d.detail ? ` (${d.detail})` : ''}`;
}

/** An error carrying diagnostics: thrown by validation, caught and rendered by the CLI. */
export class DiagnosticError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(diagnosticLine).join('\n'));
    this.name = 'DiagnosticError';
  }
}

/** Exit codes by category (README "Commands"). */
export const EXIT = { ok: 0, tenant: 1, changes: 2, input: 3, refused: 4, blocked: 5 } as const;

/** The exit code the worst error in a list calls for (0 when there is none). */
export function exitCodeFor(diagnostics: readonly Diagnostic[]): number {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  for (const category of ['input', 'refused', 'tenant', 'blocked'] as const) if (errors.some((d) => d.category === category)) return EXIT[category];
  return EXIT.ok;
}
