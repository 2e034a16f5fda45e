// Public face of lib/src/train: re-exports only.
export {};
