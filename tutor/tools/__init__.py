"""The tools the engine and models call: one name enum, the registry, how results are shown."""
