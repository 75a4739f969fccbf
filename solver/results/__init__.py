"""Results: a Solution recomputed from an allocation, what changed, what-if summaries."""
