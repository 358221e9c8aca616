// What each page gets from the router.
export interface Page {
  /** The <main> element to render into. */
  main: HTMLElement;
  /** Aborted when the designer leaves the page: stops polling, fetches, charts and blob URLs. */
  signal: AbortSignal;
  /** Route parameters, e.g. the job id. */
  params: string[];
  /** The query after the route, e.g. `#/?brief=...`. */
  query: URLSearchParams;
}

export function navigate(hash: string): void {
  location.hash = hash;
}
