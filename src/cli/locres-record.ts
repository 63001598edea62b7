/** Moved to the jobs layer (src/jobs/locres-job.ts writes the record); re-exported for the commands. */
export * from '../jobs/locres-record.js';
