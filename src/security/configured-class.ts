import { StewardError } from '../errors/index.js';
import type { Descriptor, ExtensionPoint, ExtensionRegistry } from '../extensions/index.js';
import type { XmlElementHandle } from '../xml/index.js';

/**
 * The descriptor of the class a config.xml element names (`<securityRealm class="...">`). A
 * class that is not installed is refused with STW_CONFIG_INVALID naming the file, line and what
 * Steward has, never replaced by something more permissive: the controller must not start open.
 */
export function configuredClass<T extends Descriptor>(registry: ExtensionRegistry, point: ExtensionPoint<T>, element: XmlElementHandle, what: string): T {
  const id = element.attribute('class');
  const descriptor = id === undefined ? undefined : registry.find(point, id);
  if (descriptor !== undefined) return descriptor;
  const installed = registry.all(point).map((d) => d.id).join(', ');
  throw new StewardError(
    'STW_CONFIG_INVALID',
    `${element.file}: ${what} ${id === undefined ? '(no class attribute)' : JSON.stringify(id)} is not installed; Steward has ${installed}`,
    { file: element.file, field: element.path === '' ? element.name : element.path, ...(element.line === undefined ? {} : { line: element.line }) },
  );
}
