/**
 * The web-search port: an adapter that finds pages for a topic. None is configured by default,
 * and the workflow never reaches the network on its own: "local only" means local only. A
 * configured adapter's results are snippets like any other, stored with their URL and hash
 * before drafting and checked the same way.
 */
export interface WebResult {
  url: string;
  title: string;
  /** The page's readable text, as fetched (the quote must be verbatim in it). */
  text: string;
}

export interface WebSearchPort {
  readonly name: string;
  search(query: string, options: { limit: number; signal?: AbortSignal }): Promise<WebResult[]>;
}
