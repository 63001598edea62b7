/**
 * How much memory this process can still use, for checks made before a large allocation.
 */
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';

/**
 * Memory the process can still use, in bytes: Linux's `MemAvailable` plus `SwapFree` from
 * `/proc/meminfo` (what the kernel can hand out without killing a process), else Node's
 * `os.freemem()` (free pages only, which under-counts the page cache the kernel would give up).
 * @param meminfo path of the meminfo file (tests)
 * @returns bytes (> 0)
 */
export function availableMemoryBytes(meminfo = '/proc/meminfo'): number {
  try {
    const text = readFileSync(meminfo, 'utf8');
    const kB = (key: string): number | undefined => {
      const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
      return m ? Number(m[1]) : undefined;
    };
    const avail = kB('MemAvailable');
    if (avail !== undefined) return (avail + (kB('SwapFree') ?? 0)) * 1024;
  } catch {
    // not Linux, or /proc not mounted: fall back below
  }
  return freemem();
}
