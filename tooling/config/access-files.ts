/**
 * Which files an access path names: the file itself, or every `*.json` regular file below a folder,
 * each real file once; special files, loops and oversized files refused with one clear problem each.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { JsonSyntaxError } from './json-source.js';
import { LIMITS, type AccessProblem } from './access-model.js';

/** Why a path cannot be read as an access file or folder, in words (the Node error codes are not). */
function unreadable(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory (set AIC_ACCESS_FILE or pass --access)';
  if (code === 'ELOOP') return 'a symbolic link loop: the link never reaches a file or folder';
  if (code === 'EACCES') return 'permission denied';
  return `cannot be read (${code ?? (error as Error).message})`;
}

/**
 * The access files under a path: the file itself, or every `*.json` regular file below a folder,
 * each real file once (symbolic links followed, loops and special files refused, never waited on).
 */
export async function filesOf(target: string, problems: AccessProblem[]): Promise<string[]> {
  let info;
  try {
    info = await stat(target);
  } catch (error) {
    problems.push({ file: target, path: '', message: unreadable(error) });
    return [];
  }
  if (info.isFile()) return [target];
  if (!info.isDirectory()) {
    problems.push({ file: target, path: '', message: 'not a regular file or folder (a FIFO, socket or device is never read)' });
    return [];
  }
  const files: string[] = [];
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (seenDirs.has(real)) return; // a link back up the tree: already walked
    seenDirs.add(real);
    for (const entry of (await readdir(dir)).sort()) {
      const full = path.join(dir, entry);
      let entryInfo;
      try {
        entryInfo = await stat(full);
      } catch (error) {
        if (entry.endsWith('.json')) problems.push({ file: full, path: '', message: unreadable(error) });
        continue;
      }
      if (entryInfo.isDirectory() && entry.endsWith('.json')) problems.push({ file: full, path: '', message: 'a folder named like an access file: rename it, or move its files up' });
      else if (entryInfo.isDirectory()) await walk(full);
      else if (!entry.endsWith('.json')) continue;
      else if (!entryInfo.isFile()) problems.push({ file: full, path: '', message: 'not a regular file (a FIFO, socket or device is never read)' });
      else {
        const realFile = await realpath(full);
        if (!seenFiles.has(realFile)) files.push(full);
        seenFiles.add(realFile);
      }
    }
  };
  await walk(target);
  if (files.length === 0 && problems.length === 0) problems.push({ file: target, path: '', message: 'the directory holds no *.json access files' });
  return files;
}

export async function readAccessFile(file: string): Promise<Uint8Array> {
  const info = await stat(file);
  if (info.size > LIMITS.fileBytes) throw new JsonSyntaxError(`${info.size} bytes; an access file may have at most ${LIMITS.fileBytes} (split it into several files)`);
  return readFile(file);
}
