"""What the test suite and the benchmarks share, so that neither imports the other: real servers on
127.0.0.1 (gunicorn, fresh databases) and the data they are seeded with."""
