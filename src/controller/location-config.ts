import { StewardError } from '../errors/index.js';
import type { HomeStore } from '../home/index.js';
import { parseXml } from '../xml/index.js';

/** Jenkins' "Jenkins URL" setting, in the home as Jenkins keeps it. */
export const LOCATION_CONFIG_FILE = 'jenkins.model.JenkinsLocationConfiguration.xml';

/**
 * The controller's public URL from `<jenkinsUrl>` of jenkins.model.JenkinsLocationConfiguration.xml
 * (what Jenkins' "Jenkins URL" setting writes), with a trailing `/`; undefined when the file or the
 * element is missing or empty. Anything but an absolute http or https URL stops start-up with
 * STW_CONFIG_INVALID naming the file and field.
 */
export async function readConfiguredRootUrl(store: HomeStore): Promise<string | undefined> {
  const text = await store.readText(LOCATION_CONFIG_FILE);
  if (text === undefined) return undefined;
  const root = parseXml(text, LOCATION_CONFIG_FILE).root;
  const element = root.child('jenkinsUrl');
  const value = element?.text().trim() ?? '';
  if (value === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new StewardError('STW_CONFIG_INVALID', `${LOCATION_CONFIG_FILE}: <jenkinsUrl> must be an http or https URL such as https://ci.example.com/, not "${value}"`, {
      file: LOCATION_CONFIG_FILE,
      field: 'jenkinsUrl',
      ...(element?.line === undefined ? {} : { line: element.line }),
    });
  }
  const href = url.href;
  return href.endsWith('/') ? href : `${href}/`;
}
