/** The Nyquist checks moved to the jobs layer (the GUI server uses them too); re-exported for the commands. */
export * from '../jobs/nyquist-check.js';
