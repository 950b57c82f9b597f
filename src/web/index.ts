/** The HTTP server: Jenkins' remote API URL space, health and metrics. */
export { createWebServer, JENKINS_COMPAT_VERSION, type WebServer, type WebServerOptions } from './server.js';
export type { AdministrativeMonitor, ControllerRole, HandoverReport, StewardApi } from './api.js';
export { STATUS_OF } from './errors.js';
/** `--trusted-proxy` / STEWARD_TRUSTED_PROXIES: the proxies whose X-Forwarded-For names the client. */
export { parseTrustedProxies } from './trusted-proxies.js';
