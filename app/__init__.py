"""The composition root: the `drillbot` command, the demo and the doctor, and the wiring that joins the
platform-neutral core (bot/) to the chat adapters, the judges (scoring/) and the benchmarks (bench/).

The only package allowed to import all of them; bot/ imports none of them (tests/unit/test_layering.py)."""
