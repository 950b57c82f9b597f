import type { BuildWrapperDescriptor } from '../../jobs/index.js';
import { ENVINJECT_BUILD_WRAPPER, ENVINJECT_BUILD_WRAPPER_ALIAS, parseEnvInjectWrapper } from './config.js';

/** EnvInject's build wrapper: adds the properties content to the build's environment. */
export const envInjectWrapper: BuildWrapperDescriptor = {
  id: ENVINJECT_BUILD_WRAPPER,
  displayName: 'Inject environment variables to the build process',
  aliases: [ENVINJECT_BUILD_WRAPPER_ALIAS],
  create(step) {
    const { properties } = parseEnvInjectWrapper(step.element);
    return {
      async setUp(ctx) {
        // $VAR references in values expand against the environment so far, as EnvInject does.
        const env: Record<string, string> = {};
        for (const [k, v] of Object.entries(properties)) {
          env[k] = String(v).replace(/\$\{(\w+)\}|\$(\w+)/g, (m: string, a: string | undefined, b: string | undefined) => env[a ?? b ?? ''] ?? ctx.env[a ?? b ?? ''] ?? m);
        }
        return { env };
      },
    };
  },
};
