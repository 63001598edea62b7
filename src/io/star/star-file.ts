/**
 * RELION STAR files: read and write files (gzip-aware, written atomically); the model, parser,
 * writer and table access live in ./model.ts, ./parse.ts, ./format.ts and ./table.ts and are
 * re-exported here.
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback, gzip as gzipCallback } from 'node:zlib';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { StarFormatError, type StarFile } from './model.js';
import { parseStar } from './parse.js';
import { formatStar } from './format.js';

export * from './model.js';
export { parseStar } from './parse.js';
export { formatStar } from './format.js';
export { getBlock, loopTable, column, numberColumn } from './table.js';

const gunzip = promisify(gunzipCallback);
const gzip = promisify(gzipCallback);

/**
 * Read and parse a STAR file; gzip-compressed files (`.star.gz`, detected by their magic bytes)
 * are decompressed.
 * @param path file path
 * @throws StarFormatError for a broken file (message prefixed with the path) or a corrupt gzip
 *   stream; the fs error when the file cannot be read
 */
export async function readStar(path: string): Promise<StarFile> {
  let bytes: Buffer = await readFile(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzip(bytes);
    } catch (err) {
      throw new StarFormatError(`${path}: expected a valid gzip stream, found a corrupt one (${(err as Error).message})`, undefined, { cause: err });
    }
  }
  return parseStar(bytes.toString('utf8'), path);
}

/**
 * Format and write a STAR file (gzip-compressed when `path` ends with `.gz`). The text is first
 * written to a temporary file next to `path` and then renamed, so readers never see a partial
 * file; the temporary file is removed on failure.
 * @param path destination path
 * @param file the model (see {@link formatStar})
 * @throws RangeError from {@link formatStar}; the fs error when writing fails
 */
export async function writeStar(path: string, file: StarFile): Promise<void> {
  const text = formatStar(file);
  const data = path.endsWith('.gz') ? await gzip(Buffer.from(text, 'utf8')) : text;
  await writeFileAtomic(path, data);
}

