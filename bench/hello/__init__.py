"""The Python floor of bench/forward_auth_bench.sh: a bare Django "hello" view, no middleware."""
