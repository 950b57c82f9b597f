import path from 'node:path';
import type { BuildContext, BuildWrapperDescriptor, NotRunOption } from '../../jobs/index.js';
import { ENVINJECT_BUILD_WRAPPER, ENVINJECT_BUILD_WRAPPER_ALIAS, parseEnvInjectWrapper, parseJavaProperties } from './config.js';

/** The largest properties file read: a file of variables, not a build's output. */
const MAX_PROPERTIES_BYTES = 1024 * 1024;

/**
 * EnvInject's build wrapper, in the plugin's order: its script (scriptFilePath, then scriptContent,
 * each with `sh -xe` in the workspace) runs first and a failure fails the build; then the
 * variables of its properties file (a file of the workspace) and of its properties content, the
 * content winning, join the build's environment, `$VAR` in values expanded against what is set so
 * far.
 */
export const envInjectWrapper: BuildWrapperDescriptor = {
  id: ENVINJECT_BUILD_WRAPPER,
  displayName: 'Inject environment variables to the build process',
  aliases: [ENVINJECT_BUILD_WRAPPER_ALIAS],
  create(step) {
    const s = parseEnvInjectWrapper(step.element);
    const notRun: NotRunOption[] = [];
    if (s.groovyScript !== '') notRun.push({ name: 'secureGroovyScript', treatment: 'skipped', reason: 'Groovy is not run here: the variables the script returns are not set' });
    if (s.loadFilesFromMaster) notRun.push({ name: 'loadFilesFromMaster', treatment: 'ignored', reason: "the files are read on the build's node, in its workspace" });
    return {
      ...(notRun.length === 0 ? {} : { notRun }),
      async setUp(ctx) {
        if (s.scriptFilePath !== '') await runScript(ctx, ['-xe', expand(s.scriptFilePath, {}, ctx.env)], `the script ${s.scriptFilePath}`);
        if (s.scriptContent.trim() !== '') await runScript(ctx, ['-xe', '-c', s.scriptContent], 'the script content');
        const env: Record<string, string> = {};
        const add = (properties: Record<string, string>): void => {
          // $VAR references in values expand against the environment so far, as EnvInject does.
          for (const [k, v] of Object.entries(properties)) env[k] = expand(String(v), env, ctx.env);
        };
        if (s.propertiesFilePath !== '') add(await readProperties(ctx, expand(s.propertiesFilePath, {}, ctx.env)));
        add(s.properties);
        return { env };
      },
    };
  },
};

function expand(value: string, env: Record<string, string>, base: Record<string, string>): string {
  return value.replace(/\$\{(\w+)\}|\$(\w+)/g, (m: string, a: string | undefined, b: string | undefined) => env[a ?? b ?? ''] ?? base[a ?? b ?? ''] ?? m);
}

async function runScript(ctx: BuildContext, args: string[], what: string): Promise<void> {
  ctx.log('[EnvInject] - Executing scripts.');
  const code = await ctx.launch('/bin/sh', args);
  if (code !== 0) throw new Error(`[EnvInject] - ${what} exited with status ${code}; the build fails, as EnvInject makes it`);
}

/** The properties file, a file of the workspace (an absolute path must lead into it). */
async function readProperties(ctx: BuildContext, file: string): Promise<Record<string, string>> {
  ctx.log(`[EnvInject] - Injecting as environment variables the properties file path '${file}'`);
  const rel = path.isAbsolute(file) ? path.relative(ctx.workspace, file) : path.normalize(file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`[EnvInject] - the properties file ${file} is outside the workspace, and is not read`);
  const read = await ctx.readWorkspaceFile(rel, MAX_PROPERTIES_BYTES);
  if (!read.read) throw new Error(`[EnvInject] - the properties file ${file} cannot be read: ${read.tooLarge ? `it is over ${MAX_PROPERTIES_BYTES} bytes` : read.skipped}`);
  return parseJavaProperties(read.bytes.toString('utf8'));
}
