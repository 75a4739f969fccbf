"""What-if batches: scenario files, the one change applier, sweeps and the batch runner."""
