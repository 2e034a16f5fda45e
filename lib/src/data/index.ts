// Public face of lib/src/data: re-exports only.
export {};
