/**
 * Error raised for a broken or unsupported MRC/CCP4 file.
 *
 * The message is one line saying what was expected and what was found, e.g.
 * `"data block truncated: expected 4000000 bytes of voxel data, found 3999996"`.
 * When the reader was given a file name, the message starts with `"<name>: "`.
 *
 * @see https://www.ccpem.ac.uk/mrc_format/mrc2014.php (MRC2014 format definition)
 */
export class MrcFormatError extends Error {
  override readonly name = 'MrcFormatError';

  /**
   * @param message one-line description: what was expected and what was found
   * @param options standard `ErrorOptions` (e.g. `cause` for a zlib error)
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
