/**
 * Whether the real engine can run here (Debian's Rhino 1.7.14 jar, java and javac on PATH), and the
 * local tenant's default engine that follows from it. Owns no process.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

const RHINO_JARS = ['/usr/share/java/js.jar', '/usr/share/java/rhino.jar'];

export function rhinoJar(): string | undefined {
  return RHINO_JARS.find((jar) => existsSync(jar));
}

export function rhinoAvailable(): { ok: true; jar: string } | { ok: false; reason: string } {
  const jar = rhinoJar();
  if (!jar) return { ok: false, reason: `Rhino is not installed (none of ${RHINO_JARS.join(', ')}): apt-get install rhino` };
  for (const tool of ['java', 'javac', 'jar']) {
    const found = (process.env.PATH ?? '').split(path.delimiter).some((dir) => existsSync(path.join(dir, tool)));
    if (!found) return { ok: false, reason: `${tool} is not on PATH: install a JDK (e.g. openjdk-17-jdk-headless)` };
  }
  return { ok: true, jar };
}

let noticeGiven = false;

/**
 * The local tenant runs scripts in the real engine wherever it can; elsewhere in the Node sandbox,
 * saying so once per process (the sandbox is close to AM's engine, not the same).
 */
export function defaultLocalEngine(notify: (line: string) => void = (line) => process.stderr.write(line + '\n')): 'node' | 'rhino' {
  const available = rhinoAvailable();
  if (available.ok) return 'rhino';
  if (!noticeGiven) {
    noticeGiven = true;
    notify(`notice: local tenant scripts run in the Node sandbox, not AM's real engine: ${available.reason} (choose the sandbox explicitly with --engine node or LOCAL_TENANT_ENGINE=node to silence this)`);
  }
  return 'node';
}
