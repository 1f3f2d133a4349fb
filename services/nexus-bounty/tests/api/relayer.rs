//! The relayer against a real chain (anvil). To be written with the marketplace (issue 15).
