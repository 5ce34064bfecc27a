"""Launching runs: TOML specs, sweeps, the process runner, the run registry, the bundled workload."""
