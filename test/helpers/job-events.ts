/**
 * Reading a GUI job's server-sent events in tests (`GET /api/jobs/<id>/events`).
 */
import assert from 'node:assert/strict';
import type { JobEvent } from '../../src/web/api.js';

/**
 * Read an event stream to its end, calling `onEvent` for each event as it arrives.
 * @param res the answer to `GET api/jobs/<id>/events` (asserted 200, `text/event-stream`)
 */
export async function readJobEvents(res: Response, onEvent?: (e: JobEvent) => void): Promise<JobEvent[]> {
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: JobEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of block.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const e = JSON.parse(line.slice(6)) as JobEvent;
        events.push(e);
        onEvent?.(e);
      }
    }
  }
  return events;
}
