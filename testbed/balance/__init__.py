"""Load balancers on a running testbed: the backends' responders, the spread of connections
over the backends, and health checks measured (service.py, spread.py, health.py)."""
