/**
 * RELION STAR files: read and write files (gzip-aware, written atomically); the model, parser,
 * writer and table access live in ./model.ts, ./parse.ts, ./format.ts and ./table.ts and are
 * re-exported here.
 */
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gzip as gzipCallback } from 'node:zlib';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { fsErrorReason } from '../../core/fs-error-reason.js';
import { assertRegularFile, statRegularFile, unreadableFileError } from '../../core/regular-file.js';
import { StarFormatError, type StarFile } from './model.js';
import { StarLineParser } from './parse.js';
import { formatStar } from './format.js';

export * from './model.js';
export { parseStar } from './parse.js';
export { formatStar } from './format.js';
export { getBlock, loopTable, column, numberColumn } from './table.js';

const gzip = promisify(gzipCallback);

/** Longest line {@link readStar} accepts (bytes): a file with a longer one is not a STAR file. */
export const STAR_MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Options of {@link readStar}. */
export interface ReadStarOptions {
  /**
   * Called after each chunk read from the file with the bytes read so far and the file's size
   * (both of the file as stored, so of the compressed stream for `.star.gz`): a few hundred MB
   * take seconds to parse, and the caller's progress line comes from here.
   */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /**
   * This path's `Stats` as {@link statRegularFile} returned them just before (a caller that has
   * checked its inputs before reading any, as `star join` does): the path is then not looked at
   * before it is opened (what is opened is still checked to be a regular file, and its size for
   * `onProgress` is the opened file's).
   */
  stats?: Stats;
}

/**
 * Read and parse a STAR file; gzip-compressed files (`.star.gz`, detected by their magic bytes)
 * are decompressed. The file is read as a stream and parsed line by line, so its size is bounded
 * by memory only (a file over 512 MiB had failed: V8 cannot hold it as one string).
 * @param path file path
 * @param options see {@link ReadStarOptions}
 * @throws Error `cannot read STAR file '<path>': …` when nothing is there (`no such file`), it
 *   cannot be looked at or opened (`permission denied`), or it is a folder or not a regular file (a device
 *   such as /dev/zero, a FIFO or a socket: reading one had filled the memory or blocked for ever;
 *   the wording of {@link statRegularFile})
 * @throws StarFormatError for a broken file (message prefixed with the path), a line longer than
 *   {@link STAR_MAX_LINE_BYTES}, or a corrupt gzip stream; the fs error when the file cannot be read
 */
export async function readStar(path: string, options: ReadStarOptions = {}): Promise<StarFile> {
  if (options.stats === undefined) await statRegularFile(path, 'STAR file');
  const magic = Buffer.alloc(2);
  let handle: FileHandle;
  try {
    // O_NONBLOCK: a FIFO put in the file's place since it was checked does not block the open
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    // a file that can be looked at but not opened (mode 000, another user's): the one wording
    throw unreadableFileError('STAR file', path, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : fsErrorReason(err), err);
  }
  let st: Stats;
  let gzipped: boolean;
  try {
    // what was opened is read, and checked here: `options.stats` may be seconds old (`star join`
    // reads one file after the other), and a folder or FIFO put in the file's place since had
    // failed with Node's EISDIR text or blocked the read for ever
    st = await handle.stat();
    assertRegularFile(st, 'STAR file', path);
    gzipped = (await handle.read(magic, 0, 2, 0)).bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } catch (err) {
    await handle.close();
    throw err;
  }
  const parser = new StarLineParser(path);
  const file = handle.createReadStream({ start: 0 }); // closes the handle when it ends or fails
  const gunzip = gzipped ? createGunzip() : undefined;
  const source: Readable = gunzip ? file.pipe(gunzip) : file;
  if (gunzip) file.on('error', (err) => gunzip.destroy(err)); // a read error ends the inflated stream too
  let parts: Buffer[] = []; // the line begun in earlier chunks
  let partBytes = 0;
  let lineNo = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
        const line = parts.length > 0 ? Buffer.concat([...parts, chunk.subarray(start, nl)]).toString('utf8') : chunk.toString('utf8', start, nl);
        parts = [];
        partBytes = 0;
        lineNo++;
        parser.line(line);
        start = nl + 1;
      }
      if (start < chunk.length) {
        parts.push(chunk.subarray(start));
        partBytes += chunk.length - start;
        if (partBytes > STAR_MAX_LINE_BYTES) throw new StarFormatError(`${path}: line ${lineNo + 1} is longer than ${STAR_MAX_LINE_BYTES / 2 ** 20} MiB: not a STAR file`, lineNo + 1);
      }
      options.onProgress?.(file.bytesRead, st.size);
    }
  } catch (err) {
    file.destroy();
    gunzip?.destroy();
    if (gunzip && /^Z_/.test(String((err as NodeJS.ErrnoException).code ?? ''))) {
      throw new StarFormatError(`${path}: expected a valid gzip stream, found a corrupt one (${(err as Error).message})`, undefined, { cause: err });
    }
    throw err;
  }
  parser.line(Buffer.concat(parts).toString('utf8'));
  return parser.end();
}

/**
 * Format and write a STAR file (gzip-compressed when `path` ends with `.gz`). The text is first
 * written to a temporary file next to `path` and then renamed, so readers never see a partial
 * file; the temporary file is removed on failure.
 * @param path destination path
 * @param file the model (see {@link formatStar})
 * @param onProgress the formatting's progress (see {@link formatStar}): called every 10,000 rows with the fraction formatted
 * @throws RangeError from {@link formatStar}; the fs error when writing fails
 */
export async function writeStar(path: string, file: StarFile, onProgress?: (fraction: number) => void): Promise<void> {
  const text = formatStar(file, onProgress);
  const data = path.endsWith('.gz') ? await gzip(Buffer.from(text, 'utf8')) : text;
  await writeFileAtomic(path, data);
}

