// Public face of lib/src/probe: re-exports only.
export {};
