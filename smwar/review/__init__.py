"""The post-crisis review: the post-mortem of an incident, and its exports."""
