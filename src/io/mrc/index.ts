import type { Volume } from '../../core/volume.js';

/**
 * MRC/CCP4 map input/output (MRC2014): read any supported file into the canonical
 * {@link Volume} layout and write volumes back, optionally in a template's axis order.
 * @see https://www.ccpem.ac.uk/mrc_format/mrc2014.php
 */
export { MrcFormatError } from './errors.js';
export {
  MRC_HEADER_BYTES,
  MRC_LABEL_COUNT,
  MRC_LABEL_LENGTH,
  MRC2014_NVERSION,
  parseMrcHeader,
  encodeMrcHeader,
  machineStamp,
  detectByteOrder,
  type MrcHeader,
  type HeaderTriple,
  type ByteOrderGuess,
} from './header.js';
export {
  SUPPORTED_MODES,
  MODE_NAMES,
  isSupportedMode,
  assertSupportedMode,
  bytesPerVoxel,
  floatToHalfBits,
  halfBitsToFloat,
  decodeVoxels,
  decodeVoxelsInto,
  encodeVoxels,
  type MrcMode,
} from './modes.js';
export { isAxisPermutation, physicalShape, fileBox, fileToCanonical, canonicalToFile, type AxisOrder } from './axis-order.js';
export { readMrcBuffer, readMrc, type MrcMap, type MrcReadOptions } from './read.js';
export { encodeMrc, encodeMrcParts, writeMrc, type MrcEncodeOptions, type MrcWriteOptions } from './write.js';
export { openMrcSections, type MrcSectionReader, type MrcSectionReadOptions, type MrcSlab } from './plane-reader.js';
