"""The synthetic book: a deterministic, realistic population of people, awards, LAs and debts for
demonstrations and benchmarks (``dms synth``, ``dms demo``). :mod:`dms.synth.generate` makes plain rows;
:mod:`dms.store.bulk` loads them."""
