// Progress lines go to stderr so the report on stdout stays clean to read (or to pipe).
const started = Date.now();

export function progress(line) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${seconds}s] ${line}\n`);
}

export { sleep } from '@dtbot/shared';
