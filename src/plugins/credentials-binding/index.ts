/**
 * The Credentials Binding plugin (`credentials-binding`): its SecretBuildWrapper binds
 * credentials of the store (username/password, secret text, secret file, SSH key) to the
 * build's environment, masked in the log; unknown binding classes load and fail the build.
 */
import { BUILD_WRAPPER } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { credentialsBindingWrapper } from './wrapper.js';

export { SECRET_BUILD_WRAPPER, parseSecretBuildWrapper, type CredentialsBinding, type SecretBuildWrapperStep } from './config.js';

export const plugin: BuiltInPlugin = {
  name: 'credentials-binding',
  register(registry) {
    registry.register(BUILD_WRAPPER, credentialsBindingWrapper);
  },
};
