/** The parts of the `jenkins` npm package (a Node.js Jenkins client) the tests call; it ships no types. */
declare module 'jenkins' {
  interface JenkinsOptions {
    baseUrl: string;
    crumbIssuer?: boolean;
    headers?: Record<string, string>;
  }
  type Call = (...args: never[]) => Promise<unknown>;
  class Jenkins {
    constructor(opts: JenkinsOptions);
    info(): Promise<unknown>;
    job: {
      create(name: string, xml: string): Promise<unknown>;
      exists(name: string): Promise<boolean>;
      get(name: string): Promise<unknown>;
      config(name: string, xml?: string): Promise<unknown>;
      copy(from: string, name: string): Promise<unknown>;
      build(opts: { name: string; parameters?: Record<string, string> }): Promise<number>;
      disable(name: string): Promise<unknown>;
      enable(name: string): Promise<unknown>;
      destroy(name: string): Promise<unknown>;
      list(): Promise<unknown>;
    };
    build: {
      get(name: string, number: number): Promise<unknown>;
      log(name: string, number: number): Promise<string>;
      stop(name: string, number: number): Promise<unknown>;
    };
    queue: {
      list(): Promise<unknown>;
      item(id: number): Promise<unknown>;
      cancel(id: number): Promise<unknown>;
    };
    node: { list(): Promise<unknown>; get(name: string): Promise<unknown> };
    plugin: { list(): Promise<unknown> };
    crumbIssuer: { get(): Promise<unknown> };
    credentials: {
      create(folder: string, store: string, domain: string, xml: string): Promise<unknown>;
      exists(id: string, folder: string, store: string, domain: string): Promise<boolean>;
      list(folder: string, store: string, domain: string): Promise<unknown>;
      destroy(id: string, folder: string, store: string, domain: string): Promise<unknown>;
    };
    [other: string]: unknown;
  }
  export type { Call };
  export default Jenkins;
}
