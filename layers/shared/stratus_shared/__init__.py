"""Code shared by every Stratus function: observability, configuration and AWS clients."""
