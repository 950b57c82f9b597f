import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `node` arguments that run `name` (a module file's path relative to the folder of the module at
 * `fromUrl`, given without its extension) as a process of its own: the compiled `name.js` when `fromUrl` is compiled, or
 * `name.ts` through tsx when running from the sources. Pass `import.meta.url`.
 */
export function moduleEntry(fromUrl: string, name: string): string[] {
  const here = fileURLToPath(fromUrl);
  const dir = path.dirname(here);
  if (here.endsWith('.ts')) return ['--import', import.meta.resolve('tsx'), path.join(dir, `${name}.ts`)];
  return [path.join(dir, `${name}.js`)];
}
