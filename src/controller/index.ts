/** The controller: the composition root that wires every part together. */
export { Controller, VERSION, type ControllerOptions } from './controller.js';
/** `--advertise-url`: the URL this controller is reachable at, as standbys name it. */
export { parseAdvertiseUrl } from './active-record.js';
