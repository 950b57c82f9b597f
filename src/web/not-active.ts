import { StewardError } from '../errors/index.js';

/**
 * STW_NOT_ACTIVE from a controller that is not active, naming the active one's advertised URL
 * when the home says where it is (`activeUrl` in the answer's error), so that a client can go
 * there. The URL comes from the active controller's own configuration, never from a request.
 */
export class NotActiveError extends StewardError {
  readonly activeUrl: string | undefined;

  constructor(role: string, activeUrl: string | undefined) {
    super(
      'STW_NOT_ACTIVE',
      activeUrl === undefined
        ? `this controller is not active (it is ${role}); ask the active controller`
        : `this controller is not active (it is ${role}); the active controller is at ${activeUrl}`,
    );
    this.activeUrl = activeUrl;
  }

  override toJSON(): Record<string, unknown> {
    return this.activeUrl === undefined ? super.toJSON() : { ...super.toJSON(), activeUrl: this.activeUrl };
  }
}

/** Where a browser asking a controller that is not active for `url` (path and query) is sent. */
export function onActive(activeUrl: string, url: string): string {
  // Only the path and query are taken from the request, appended: `//host/...` stays a path.
  return `${activeUrl}${url.replace(/^\/+/, '')}`;
}
