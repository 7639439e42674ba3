"""Path MTUs measured between hosts beside what the scenario's MTUs predict (`testbed mtu`)."""
