import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface ServiceIdentity {
  name: string;
  version: string;
}

/**
 * The service's name and version, from its package.json: found by walking up
 * from this file, which sits one level deeper once built (`dist/src/`).
 */
export function readServiceIdentity(from: string = import.meta.dirname): ServiceIdentity {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const { name, version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as ServiceIdentity;
      return { name, version };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dir === path.dirname(dir)) throw error;
    }
  }
}
