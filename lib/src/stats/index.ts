// Public face of lib/src/stats: re-exports only.
export {};
