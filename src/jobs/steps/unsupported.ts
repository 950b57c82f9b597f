import type { BuildWrapper, Publisher } from './api.js';

/*
 * Stand-ins for wrappers and publishers no extension is installed for. A build runs without them,
 * and says so in its log at the place where the step would have run: a publisher such as a code
 * coverage gate can change a build's result in Jenkins, so a reader must not take the result as including it.
 */

/** `step` names the step as a user would look it up: `hudson.plugins.jacoco.JacocoPublisher (plugin jacoco)`. */
export function unsupportedBuildWrapper(step: string): BuildWrapper {
  return {
    async setUp(ctx) {
      ctx.log(`WARNING: build wrapper ${step} is not supported by this controller; the build runs without it`);
      return {};
    },
  };
}

export function unsupportedPublisher(step: string): Publisher {
  return {
    async perform(ctx) {
      ctx.log(`WARNING: publisher ${step} is not supported by this controller; it was not run, so the result does not include it`);
      return undefined;
    },
  };
}
