/**
 * Downloading EMDB maps: `fetchEmdbMap` fetches `emd_<id>.map.gz` over HTTPS into a local cache
 * (resumable, retried, verified as a gzip-compressed MRC map before use).
 *
 * Environment: `OCCUPY_EMDB_URL` overrides the archive root, `OCCUPY_EMDB_CA` names a PEM file
 * with an extra trusted CA, `XDG_CACHE_HOME` moves the default cache folder.
 * @see https://www.ebi.ac.uk/emdb/
 */
export {
  DEFAULT_EMDB_BASE_URL,
  EMDB_URL_ENV,
  EMDB_CA_ENV,
  normalizeEmdbId,
  emdbMapUrl,
  defaultEmdbCacheDir,
  fetchEmdbMap,
  type FetchEmdbOptions,
} from './fetch.js';
export { FULL_PARSE_MAX_BYTES, verifyGzippedMap, type VerifyGzippedMapOptions, type VerifiedMap } from './verify.js';
