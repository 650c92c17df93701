import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface ServiceIdentity {
  name: string;
  version: string;
  /** One line on what the service does, shown in health+json bodies. */
  description?: string;
}

/**
 * The service's name, version and description, from its package.json: found by walking up
 * from this file, which sits one level deeper once built (`dist/src/`).
 */
export function readServiceIdentity(from: string = import.meta.dirname): ServiceIdentity {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const { name, version, description } = JSON.parse(
        readFileSync(path.join(dir, 'package.json'), 'utf8'),
      ) as ServiceIdentity;
      return { name, version, ...(typeof description === 'string' && { description }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dir === path.dirname(dir)) throw error;
    }
  }
}
