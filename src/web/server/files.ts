/**
 * Files of the GUI server: folder listings under the root (folders and map files) and the
 * download of a map's output files (only inside its output folder, or the input as `input.mrc`).
 */
import { createReadStream } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FileEntry, FileListing } from '../api.js';
import { COMMON_HEADERS, HttpError } from './http-util.js';
import { checkFileName, isInside, relativeToRoot, resolveInsideRoot } from './paths.js';
import type { SessionMap } from './session.js';
import { contentTypeOf } from './static.js';

/** Map file names the browser lists (optionally gzipped). */
export const MAP_FILE_PATTERN = /\.(mrc|map|ccp4|mrcs|rec)(\.gz)?$/i;

/** Name under which a map's input is served. */
export const INPUT_FILE_NAME = 'input.mrc';

/**
 * List a folder under the root: sub-folders and map files (hidden entries and links leading
 * outside the root left out), folders first, then by name.
 * @throws HttpError 403 / 404 for a bad folder path; 400 when it is not a folder
 */
export async function listFolder(rootReal: string, dirRel: unknown): Promise<FileListing> {
  const dir = await resolveInsideRoot(rootReal, dirRel ?? '', 'folder');
  if (!(await stat(dir)).isDirectory()) throw new HttpError(400, `'${String(dirRel)}' is not a folder`);
  const entries: FileEntry[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (d.name.startsWith('.')) continue;
    const full = join(dir, d.name);
    let real = full;
    try {
      if (d.isSymbolicLink()) {
        real = await realpath(full);
        if (!isInside(rootReal, real)) continue;
      }
      const st = await stat(real);
      const path = relativeToRoot(rootReal, full);
      if (st.isDirectory()) entries.push({ name: d.name, path, kind: 'dir' });
      else if (st.isFile() && MAP_FILE_PATTERN.test(d.name)) entries.push({ name: d.name, path, kind: 'map', size: st.size });
    } catch {
      // broken link or unreadable entry: not listed
    }
  }
  entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
  return { dir: relativeToRoot(rootReal, dir), entries };
}

/** Whether a file starts with the gzip magic number. */
async function isGzipFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Send one file of a map: `input.mrc` (the input map, decompressed as a stream when gzipped, cut
 * off beyond the size its header promises) or a file of its output folder. With `download`, a `Content-Disposition: attachment` header.
 * @throws HttpError 403 for unsafe names, 404 for files that do not exist
 */
export async function serveMapFile(req: IncomingMessage, res: ServerResponse, map: SessionMap, name: string, download: boolean): Promise<void> {
  checkFileName(name);
  let path: string;
  let gunzip = false;
  let downloadName = name;
  if (name === INPUT_FILE_NAME) {
    path = map.inputPath;
    gunzip = await isGzipFile(path);
    downloadName = `${map.stem}.mrc`;
  } else {
    let real: string;
    let dirReal: string;
    try {
      dirReal = await realpath(map.outputDir);
      real = await realpath(join(map.outputDir, name));
    } catch {
      throw new HttpError(404, `'${map.info.name}' has no output file '${name}'`);
    }
    if (!isInside(dirReal, real) || real === dirReal) throw new HttpError(403, `file '${name}' refused`);
    path = real;
  }
  const st = await stat(path);
  if (!st.isFile()) throw new HttpError(404, `'${map.info.name}' has no output file '${name}'`);
  const headers: Record<string, string | number> = { ...COMMON_HEADERS, 'Content-Type': contentTypeOf(downloadName), 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox" };
  if (!gunzip) headers['Content-Length'] = st.size;
  if (download) headers['Content-Disposition'] = `attachment; filename="${downloadName.replace(/["\\\r\n]/g, '_')}"`;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((done, fail) => {
    const stream = createReadStream(path);
    stream.on('error', fail);
    res.on('close', () => {
      stream.destroy();
      done();
    });
    if (gunzip) {
      // inflated in the stream (never blocking), and never beyond the size the header promised
      const z = createGunzip();
      z.on('error', fail);
      let sent = 0;
      const cap = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          sent += chunk.length;
          if (sent > map.fileBytes) cb(new HttpError(400, `'${map.info.name}' inflates to more than its header promises`));
          else cb(null, chunk);
        },
      });
      cap.on('error', (err) => {
        stream.destroy();
        z.destroy();
        res.destroy();
        fail(err);
      });
      stream.pipe(z).pipe(cap).pipe(res);
    } else stream.pipe(res);
  });
}
