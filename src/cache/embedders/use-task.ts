/** The task shape and constants shared by the `use` embedder and its piscina worker module. */
export const USE_DIMS = 512;

export interface UseTask {
  readonly texts: readonly string[];
}
