/**
 * A stand-in for the GUI server's worker process (`JobManager`'s `launch`): an event emitter with a
 * PID that takes the server's messages with `send` and, when killed, exits by SIGTERM on the next
 * microtask, as a worker killed by a cancel does.
 */
import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';

/**
 * @param send what the stand-in does with a message from the server (default: nothing)
 * @param pid its PID (default 200000, far above any real one here)
 */
export function standInWorker<M>(send: (message: M, child: EventEmitter) => void = () => {}, pid = 200000): ChildProcess {
  const c: EventEmitter & { pid: number; stderr: null; send(message: M): boolean; kill(): boolean } = Object.assign(new EventEmitter(), {
    pid,
    stderr: null,
    send: (message: M) => {
      send(message, c);
      return true;
    },
    kill: () => {
      queueMicrotask(() => c.emit('exit', null, 'SIGTERM'));
      return true;
    },
  });
  return c as unknown as ChildProcess;
}
