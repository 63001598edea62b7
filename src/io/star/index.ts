/**
 * RELION STAR file input/output (RELION 3.1+ dialect: `data_` blocks, key–value pairs and
 * `loop_` tables, quoted values, comments), plus helpers to pull typed columns out of tables.
 * @see https://relion.readthedocs.io/en/release-3.1/Reference/Conventions.html
 */
export {
  StarFormatError,
  parseStar,
  formatStar,
  getBlock,
  loopTable,
  column,
  numberColumn,
  readStar,
  writeStar,
  type StarFile,
  type StarBlock,
  type StarItem,
  type StarPair,
  type StarLoop,
  type StarComment,
  type StarQuote,
  type StarCellQuote,
  type StarLoopComment,
  type StarTable,
} from './star-file.js';
export { joinParticleStars } from './join.js';
