/** The controller: the composition root that wires every part together. */
export { Controller, VERSION, type ControllerOptions } from './controller.js';
