"""The local cloud: Stratus run whole on one machine, on moto, from the deployed template."""
