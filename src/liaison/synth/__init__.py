"""synth context: synthetic worlds (people, fingerprints, histories, bookings) for demos,
tests and benchmarks. Every figure it makes is reproducible from a seed."""
