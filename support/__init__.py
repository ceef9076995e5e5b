"""Helpers shared by the tests and the benchmarks, a module per purpose; never imported by product code,
and the one place a test takes a helper from (never another test module or a conftest).

Data the tests make (`catalogs`, `tiny_runs`, `models`, `video`), real FER2013 fixture faces and
photos built from them (`faces`, `photos`), services run as real processes (`processes`, one alone:
`services`, all three: `stack`), stand-ins for upstreams and Spotify (`fakes`), the container engine
(`containers`), the README's code blocks (`readme`), latency percentiles (`stats`), a light load
generator (`loadgen`), what the recommender's lists are like (`recommendations`), and where the
repository and the shared data are (`paths`).
"""
