// Is a command installed? Node built-ins only: it runs before pnpm install.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export function onPath(command) {
  const extensions = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const extension of extensions) {
      try {
        accessSync(path.join(dir || '.', command + extension), constants.X_OK);
        return true;
      } catch {
        // not here
      }
    }
  }
  return false;
}

