/**
 * Where the CLI writes: results on stdout (JSON under --json, text otherwise), progress and
 * diagnostics on stderr, everything through the run's redactor. Diagnostics are rendered here and
 * nowhere else: one line each for people, one object each for --json.
 */
import { diagnosticLine, type Diagnostic } from '../diagnostics.js';

export class Output {
  private redact: (text: string) => string = (text) => text;
  constructor(readonly json: boolean) {}

  /** From now on every line goes through the run's redactor (secrets known to this process). */
  useRedactor(redact: (text: string) => string): void {
    this.redact = redact;
  }

  /** Human progress goes to stderr so stdout stays clean for --json. */
  progress(line: string): void {
    process.stderr.write(this.redact(line) + '\n');
  }

  result(text: string): void {
    if (!this.json) process.stdout.write(this.redact(text) + '\n');
  }

  jsonResult(value: unknown): void {
    if (this.json) process.stdout.write(this.redact(JSON.stringify(value, null, 2)) + '\n');
  }

  diagnostics(diagnostics: readonly Diagnostic[]): void {
    for (const d of diagnostics) this.progress(`${d.severity}: ${diagnosticLine(d)}`);
  }
}

export const diagnosticsToJson = (diagnostics: readonly Diagnostic[]) => diagnostics.map((d) => ({ ...d }));
