"""Reproducible benchmarks (`drillbot bench`): overhead, concurrency, queries, tokens, offline, memory."""
