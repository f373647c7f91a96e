import { readFileSync } from 'node:fs';

const MB = 1024 * 1024;

/** `VmRSS` / `VmHWM` of a process in bytes (Linux /proc), or undefined once it has exited. */
function readStatus(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return match ? Number(match[1]) * 1024 : undefined;
    };
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/**
 * Samples a process' resident memory every `intervalMs`. The kernel's own high-water mark (VmHWM)
 * is read at `stop()`, which must come before the process exits: it catches peaks between samples.
 */
export function sampleRss(pid, intervalMs = 100) {
  let peak = 0;
  const sample = () => {
    const status = readStatus(pid);
    if (status?.rss) peak = Math.max(peak, status.rss);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  let result;
  return {
    /** { peakMB: max of the samples, hwmMB: the kernel's peak } */
    stop() {
      if (result) return result;
      clearInterval(timer);
      sample();
      const hwm = readStatus(pid)?.hwm;
      result = { peakMB: peak / MB, hwmMB: hwm === undefined ? undefined : hwm / MB };
      return result;
    },
  };
}
