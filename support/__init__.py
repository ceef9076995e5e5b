"""Helpers shared by the tests and the benchmarks; never imported by product code.

Data the tests make (`catalogs`), real FER2013 fixture faces and scenes built from them (`faces`),
services run as real processes (`processes`), latency percentiles (`stats`), a light load generator
(`loadgen`), and where the repository and the shared data are (`paths`).
"""
