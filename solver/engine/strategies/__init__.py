"""Search strategies over the engine: each takes an engine, none is imported by it."""
